import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { describe, expect, it } from 'vitest';
import { resolveReplaySource } from '../src/internal/replay-source';
import {
  Batches,
  exportBatch,
  KnobExporter,
  tempDir,
  writeFallbackFiles,
  zstFiles,
} from './helpers';

describe('ZstdReplaySource', () => {
  describe('resolveReplaySource', () => {
    it('should recognise a ZstdFileLogRecordExporter by its brand and nothing else', () => {
      const dir = tempDir();
      expect(
        resolveReplaySource(new ZstdFileLogRecordExporter({ directory: dir }))?.directory,
      ).toBe(dir);
      expect(resolveReplaySource(new KnobExporter())).toBeUndefined();
    });
  });

  describe('closedFiles', () => {
    it('should leave out a file a live batch opened right after the rotation', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, [b.next(5), b.next(5)]);
      const real = new ZstdFileLogRecordExporter({ directory: dir });
      // The real exporter, with a live batch arriving just after rotate(): the race closedFiles
      // guards against, forced to happen.
      const racing = Object.assign(Object.create(real) as ZstdFileLogRecordExporter, {
        rotate: async () => {
          await real.rotate();
          await exportBatch(real, b.next(5));
          await real.forceFlush();
        },
      }) as ZstdFileLogRecordExporter & LogRecordExporter;
      const source = resolveReplaySource(racing);
      const files = await source!.closedFiles();
      expect(real.currentFile).toBeDefined();
      expect(zstFiles(dir)).toHaveLength(3);
      expect(files.map((f) => f.path)).not.toContain(real.currentFile);
      expect(files).toHaveLength(2);
      await real.shutdown();
    });
  });
});
