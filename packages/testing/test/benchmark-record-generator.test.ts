import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBenchmarkRecordGenerator } from '../src/benchmark-record-generator';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder shaped like a LogHub sample: two systems' structured CSVs, written here. */
function loghubShapedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-loghub-shape-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'Shop_2k.log_structured.csv'),
    'LineId,Level,Component,Content\n1,INFO,web,"request served, 200"\n2,W,web,slow request\n3,FATAL,db,"pool ""main"" gone"\n',
  );
  writeFileSync(
    join(dir, 'Edge_2k.log_structured.csv'),
    'LineId,Level,Content\n1,notice,proxy restarted\n2,error,upstream timed out\n',
  );
  writeFileSync(join(dir, 'README.md'), 'not a CSV');
  return dir;
}

function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('createBenchmarkRecordGenerator', () => {
  it('should use the synthetic generator without a corpus, and say so on stderr', () => {
    // Named and absent, so a corpus beside the clone (which the default would find) is not used.
    vi.stubEnv('SPILLWAY_CORPUS_DIR', join(tmpdir(), `spillway-no-corpus-${process.pid}`));
    const stderr = captureStderr();
    const { generator, input } = createBenchmarkRecordGenerator({ seed: 4 }, undefined);
    expect(input).toBe('synthetic');
    expect(stderr).toEqual([
      'benchmark input: synthetic records (no LogHub corpus found; set SPILLWAY_CORPUS_DIR to use one)\n',
    ]);
    expect(
      generator.take(100).every((r) => typeof r.attributes['code.namespace'] === 'string'),
    ).toBe(true);
  });

  it('should read a LogHub-shaped folder when given one, mapping levels to OTel severities', () => {
    const dir = loghubShapedDir();
    const stderr = captureStderr();
    const { generator, input } = createBenchmarkRecordGenerator(
      { seed: 4, noTraceContextShare: 0 },
      dir,
    );
    expect(input).toBe('LogHub');
    expect(stderr).toEqual([`benchmark input: LogHub corpus from ${dir}\n`]);
    const recs = generator.take(400);
    const seen = new Map(
      recs.map((r) => [r.body, [r.severityNumber, r.severityText, r.attributes['corpus.system']]]),
    );
    expect(Object.fromEntries(seen)).toEqual({
      'request served, 200': [9, 'INFO', 'Shop'],
      'slow request': [13, 'WARN', 'Shop'],
      'pool "main" gone': [21, 'FATAL', 'Shop'],
      'proxy restarted': [10, 'INFO', 'Edge'],
      'upstream timed out': [17, 'ERROR', 'Edge'],
    });
    // Each system's lines come in the order its log was written.
    const shop = recs.filter((r) => r.attributes['corpus.system'] === 'Shop').map((r) => r.body);
    expect(shop.slice(0, 4)).toEqual([
      'request served, 200',
      'slow request',
      'pool "main" gone',
      'request served, 200',
    ]);
    expect(recs.every((r) => r.spanContext !== undefined)).toBe(true);
    expect(recs.map((r) => r.attributes['test.id'])).toEqual(recs.map((_, i) => i));
  });
});
