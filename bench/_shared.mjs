// Helpers every benchmark scenario uses (not a scenario itself): how results are reported.
import { cpus } from 'node:os';

/** Node version, CPU model and count, and the time: printed above each table. */
export function machine() {
  return `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString()}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A Markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A numeric knob from the environment (`SPILLWAY_BENCH_<NAME>`), else the default. */
export function knob(name, fallback) {
  const v = process.env[`SPILLWAY_BENCH_${name}`];
  return v === undefined ? fallback : Number(v);
}

/** `exporter.export(batch)` as a promise that rejects on a failed result. */
export function exportBatch(exporter, batch) {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (r) =>
      r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')),
    ),
  );
}
