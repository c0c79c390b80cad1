import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { PrettyLogRecordExporter } from '../src/pretty-log-record-exporter';
import { buildChild } from './child-process';
import { Batches, exportBatch } from './helpers';

function setup(color: 'auto' | boolean = 'auto') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const exporter = new PrettyLogRecordExporter({ stream, color });
  return { exporter, output: () => chunks.join('') };
}

function record(over: Partial<ReadableLogRecord>): ReadableLogRecord {
  const [base] = new Batches().next(1);
  return { ...base!, ...over } as ReadableLogRecord;
}

describe('PrettyLogRecordExporter', () => {
  describe('export', () => {
    it('should print one line per record with time, severity, service, body, attributes and trace context', async () => {
      const { exporter, output } = setup();
      const r = record({
        hrTime: [1_767_225_600, 123_000_000],
        severityNumber: 17 as ReadableLogRecord['severityNumber'],
        severityText: 'ERROR',
        body: 'disk failed\n  at line 2',
        attributes: { 'test.id': 4, path: '/var/x y' },
        spanContext: {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: 1,
        },
      });
      const service = String(r.resource.attributes['service.name']);
      expect(service).not.toBe('undefined');
      expect((await exportBatch(exporter, [r, r])).code).toBe(0);
      const lines = output().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe(
        `2026-01-01T00:00:00.123000000Z ERROR ${service} disk failed\\n  at line 2 test.id=4 path=/var/x y trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331`,
      );
    });

    it('should name the level by the severity class when there is no text, and print structured bodies as JSON', async () => {
      const { exporter, output } = setup();
      const r = record({
        severityNumber: 14 as ReadableLogRecord['severityNumber'],
        severityText: undefined,
        body: { a: [1, true] },
        attributes: {},
      });
      delete (r as { spanContext?: unknown }).spanContext;
      await exportBatch(exporter, [r]);
      expect(output()).toMatch(/^\S+ WARN {2}\S+ \{"a":\[1,true\]\}\n$/);
    });

    it('should escape control characters so that a logged escape sequence cannot drive the terminal', async () => {
      const { exporter, output } = setup(true);
      const r = record({
        severityNumber: 9 as ReadableLogRecord['severityNumber'],
        severityText: 'INFO',
        body: 'a\x1b[2Jb\tc',
        attributes: { 'k\ney': 'v\r' },
      });
      delete (r as { spanContext?: unknown }).spanContext;
      await exportBatch(exporter, [r]);
      const out = output();
      expect(out.split('\n')).toHaveLength(2);
      expect(out).toContain(' a\\u001b[2Jb\\tc ');
      expect(out).toContain('k\\ney=v\\u000d');
      expect(out).not.toContain('\x1b[2J');
    });

    it('should colour only when asked or on a TTY', async () => {
      const plain = setup('auto');
      const coloured = setup(true);
      const r = record({
        severityNumber: 21 as ReadableLogRecord['severityNumber'],
        severityText: 'FATAL',
      });
      await exportBatch(plain.exporter, [r]);
      await exportBatch(coloured.exporter, [r]);
      expect(plain.output()).not.toContain('\x1b[');
      expect(coloured.output()).toContain('\x1b[1;31mFATAL\x1b[0m');
    });

    it('should write to the process stderr without colour when it is a pipe', async () => {
      const child = await buildChild(
        fileURLToPath(new URL('./children/console-stderr.ts', import.meta.url)),
      );
      const r = spawnSync(process.execPath, [child], {
        encoding: 'utf8',
        env: { ...process.env, FORCE_COLOR: undefined },
      });
      expect(r.stdout).toBe('0');
      expect(r.stderr).toBe('1970-01-01T00:00:00.000000000Z ERROR - hello\n');
    });
  });
});
