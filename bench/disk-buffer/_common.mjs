// Helpers shared by the disk-buffer scenarios (not a scenario itself).
import { cpus } from 'node:os';
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export function machine() {
  return `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString()}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** LogHub records (90% with trace context) as ReadableLogRecords, in batches of `batch`. */
export function corpusBatches(total, batch) {
  const recs = toReadableLogRecords(
    new CorpusRecordGenerator({ seed: 42 }).take(total),
    'bench-service',
  );
  const out = [];
  for (let i = 0; i < recs.length; i += batch) out.push(recs.slice(i, i + batch));
  return out;
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A numeric knob from the environment (`SPILLWAY_BENCH_<NAME>`), else the default. */
export function knob(name, fallback) {
  const v = process.env[`SPILLWAY_BENCH_${name}`];
  return v === undefined ? fallback : Number(v);
}

/** A downstream that is down: the WAL is measured alone (the sender backs off for a minute). */
export const unreachable = {
  export: (_records, cb) => cb({ code: 1, error: new Error('collector down (benchmark)') }),
  shutdown: async () => {},
  forceFlush: async () => {},
};
