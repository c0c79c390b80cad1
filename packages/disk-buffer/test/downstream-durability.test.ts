import { watch } from 'node:fs';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/disk-buffered-log-record-exporter';
import { CHECKPOINT_FILE } from '../src/internal/checkpoint';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

/**
 * A real downstream with the file exporter's contract: `export` acknowledges once a batch is
 * buffered, `forceFlush` makes it durable.
 */
class AckThenPersistExporter implements LogRecordExporter {
  readonly buffered: ReadableLogRecord[] = [];
  readonly durable: ReadableLogRecord[] = [];
  export(logs: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    this.buffered.push(...logs);
    cb({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {
    this.durable.push(...this.buffered.splice(0));
  }
  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}

afterEach(removeTempDirs);

describe('DiskBufferedLogRecordExporter', () => {
  describe('checkpoint', () => {
    it('should flush the downstream before the checkpoint passes what it acknowledged', async () => {
      const down = new AckThenPersistExporter();
      const directory = tempDir();
      const buffer = new DiskBufferedLogRecordExporter({
        exporter: down,
        directory,
        fsync: 'always',
      });
      const records = generatedRecords(300, 0);
      await new Promise<void>((resolve) => buffer.export(records, () => resolve()));
      let durableAtCheckpoint = -1;
      const saved = new Promise<void>((resolve) => {
        const watcher = watch(directory, (_event, name) => {
          if (name !== CHECKPOINT_FILE) return;
          durableAtCheckpoint = down.durable.length;
          watcher.close();
          resolve();
        });
      });
      await buffer.forceFlush();
      expect(down.buffered.length + down.durable.length).toBe(300);
      await saved;
      expect(durableAtCheckpoint).toBe(300);
      await buffer.shutdown();
    });
  });
});
