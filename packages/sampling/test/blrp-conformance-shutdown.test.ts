// LogRecordProcessor conformance (see blrp-conformance-harness.ts): shutdown.
import { describe, expect, it } from 'vitest';
import {
  captureDiagnostics,
  conformanceSetup,
  KnobExporter,
  PROCESSORS,
} from './blrp-conformance-harness';

captureDiagnostics();

describe.each(PROCESSORS)('%s (LogRecordProcessor conformance)', (_name, make) => {
  const { setup, ids } = conformanceSetup(make);

  describe('shutdown', () => {
    it('should export what is queued, then shut the exporter down', async () => {
      const exporter = new KnobExporter('later');
      const { processor, emit } = setup({}, exporter);
      emit(3);
      await processor.shutdown();
      expect(ids(exporter)).toEqual([0, 1, 2]);
      expect(exporter.shutdowns).toBe(1);
    });

    it('should be idempotent and ignore records emitted after it', async () => {
      const { processor, exporter, emit } = setup();
      const first = processor.shutdown();
      const second = processor.shutdown();
      await Promise.all([first, second]);
      await processor.shutdown();
      await processor.forceFlush();
      emit(3);
      await processor.forceFlush();
      expect(exporter.shutdowns).toBe(1);
      expect(exporter.calls).toBe(0);
    });
  });
});
