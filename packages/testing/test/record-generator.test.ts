import { describe, expect, it } from 'vitest';
import { corpusDir, loadCorpus } from '../src/corpus';
import {
  CorpusRecordGenerator,
  otlpJsonLines,
  toLogRecord,
  toReadableLogRecords,
} from '../src/record-generator';

const dir = corpusDir();
if (dir === undefined) console.warn('LogHub corpus not found: generator tests skipped');

describe.skipIf(dir === undefined)('CorpusRecordGenerator', () => {
  describe('loadCorpus', () => {
    it('should load the nine systems with their levels mapped to OTel severities', () => {
      const lines = loadCorpus();
      expect(new Set(lines.map((l) => l.system)).size).toBe(9);
      expect(lines.length).toBe(18_000);
      const android = lines.filter((l) => l.system === 'Android');
      expect(new Set(android.map((l) => `${l.level}=${l.severityNumber}`))).toEqual(
        new Set(['V=1', 'D=5', 'I=9', 'W=13', 'E=17']),
      );
      const apache = lines.find((l) => l.system === 'Apache' && l.level === 'error');
      expect(apache?.severityNumber).toBe(17);
      expect(lines.find((l) => l.level === 'FATAL')?.severityText).toBe('FATAL');
    });
  });

  describe('next', () => {
    it('should be deterministic for a seed and differ across seeds', () => {
      const a = new CorpusRecordGenerator({ seed: 7 }).take(500);
      const b = new CorpusRecordGenerator({ seed: 7 }).take(500);
      const c = new CorpusRecordGenerator({ seed: 8 }).take(500);
      expect(a).toEqual(b);
      expect(a.map((r) => r.body)).not.toEqual(c.map((r) => r.body));
    });

    it('should give trace contexts with the W3C random flag to all but the configured share', () => {
      const recs = new CorpusRecordGenerator({ seed: 3, noTraceContextShare: 0.25 }).take(20_000);
      const without = recs.filter((r) => r.spanContext === undefined).length / recs.length;
      expect(without).toBeGreaterThan(0.23);
      expect(without).toBeLessThan(0.27);
      const withCtx = recs.filter((r) => r.spanContext);
      expect(withCtx.every((r) => /^[0-9a-f]{32}$/.test(r.spanContext!.traceId))).toBe(true);
      expect(withCtx.every((r) => r.spanContext!.traceFlags === 3)).toBe(true);
      const traces = new Set(withCtx.map((r) => r.spanContext!.traceId));
      // Runs of records share a trace: about recordsPerTrace (20) records each.
      expect(withCtx.length / traces.size).toBeGreaterThan(10);
      expect(withCtx.length / traces.size).toBeLessThan(40);
    });

    it('should number records and keep the corpus level mix', () => {
      const recs = new CorpusRecordGenerator({ seed: 1 }).take(9000);
      expect(recs.map((r) => r.attributes['test.id'])).toEqual(recs.map((_, i) => i));
      const errors = recs.filter((r) => r.severityNumber >= 17).length / recs.length;
      // The corpus is ~7.3% ERROR/FATAL (Apache errors, BGL fatals, Hadoop errors).
      expect(errors).toBeGreaterThan(0.05);
      expect(errors).toBeLessThan(0.1);
    });
  });

  describe('toLogRecord', () => {
    it('should carry the span context in the emit context', async () => {
      const { trace } = await import('@opentelemetry/api');
      const rec = new CorpusRecordGenerator({ seed: 1, noTraceContextShare: 0 }).next();
      const lr = toLogRecord(rec);
      expect(trace.getSpanContext(lr.context)).toEqual(rec.spanContext);
    });
  });

  describe('otlpJsonLines', () => {
    it('should give one OTLP/JSON LogsData line per batch', () => {
      const recs = toReadableLogRecords(new CorpusRecordGenerator({ seed: 1 }).take(1000));
      const lines = otlpJsonLines(recs, 256).toString('utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      const first = JSON.parse(lines[0]!);
      const logRecords = first.resourceLogs[0].scopeLogs[0].logRecords;
      expect(logRecords).toHaveLength(256);
      expect(first.resourceLogs[0].resource.attributes[0]).toEqual({
        key: 'service.name',
        value: { stringValue: 'corpus-service' },
      });
      expect(typeof logRecords[0].timeUnixNano).toBe('string');
    });
  });
});
