// Helpers shared by the file-exporter scenarios (not a scenario itself).
import { cpus } from 'node:os';
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export function machine() {
  return `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString()}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** LogHub records with random trace ids (the generator's default 90% share), in chunks. */
export function* corpusChunks(total, options = {}, chunk = 10_000) {
  const gen = new CorpusRecordGenerator({ seed: 42, ...options });
  for (let done = 0; done < total; done += chunk) {
    yield toReadableLogRecords(gen.take(Math.min(chunk, total - done)), 'bench-service');
  }
}

export function exportBatch(exporter, batch) {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (r) => (r.code === 0 ? resolve() : reject(r.error))),
  );
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
