// Helpers shared by the router scenarios (not a scenario itself).
import { cpus } from 'node:os';
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export function machine() {
  return `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString()}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** `n` LogHub records in batches of `size`, as ReadableLogRecords. */
export function corpusBatches(n, size = 512) {
  const gen = new CorpusRecordGenerator({ seed: 42 });
  const out = [];
  for (let done = 0; done < n; done += size) {
    out.push(toReadableLogRecords(gen.take(Math.min(size, n - done)), 'bench-service'));
  }
  return out;
}

export function exportBatch(exporter, batch) {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (r) =>
      r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')),
    ),
  );
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
