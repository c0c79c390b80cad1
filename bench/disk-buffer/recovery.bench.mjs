// Recovery of a large backlog (default 1 GiB of WAL): time from construction until every segment
// is verified (checksums of every frame), and the worst event-loop stall meanwhile, with exports
// accepted during the recovery. Goal (issue 4): no stall over ~50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { knob, machine, recordBatches, table, unreachable } from './_common.mjs';

const MIB = knob('RECOVERY_MIB', 1024);
const dir = mkdtempSync(join(tmpdir(), 'bench-recovery-'));
const { batches, input } = recordBatches(50_000, 500);

const options = {
  exporter: unreachable,
  directory: dir,
  fsync: 'never',
  maxDiskBytes: 4 * 1024 ** 3,
  minFreeBytes: 0,
  segmentBytes: 64 * 1024 * 1024,
  spillAfterBytes: 8 * 1024 ** 3, // WAL recovery alone: no spill
  retry: { initialMillis: 600_000 },
  shutdownTimeoutMillis: 1,
};
const writer = new DiskBufferedLogRecordExporter(options);
const t0 = performance.now();
let i = 0;
// 16 exports in flight until the WAL holds MIB.
await new Promise((resolve) => {
  let inFlight = 0;
  const pump = () => {
    while (inFlight < 16 && writer.getStats().walBytes < MIB * 1024 * 1024) {
      inFlight++;
      writer.export(batches[i++ % batches.length], () => {
        inFlight--;
        pump();
      });
    }
    if (inFlight === 0) resolve();
  };
  pump();
});
await writer.forceFlush();
const { walBytes, walRecords } = writer.getStats();
await writer.shutdown();
const writeMs = performance.now() - t0;

const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const r0 = performance.now();
const reader = new DiskBufferedLogRecordExporter(options);
const firstExport = await new Promise((r) => reader.export(batches[0], r));
const acceptMs = performance.now() - r0;
while (reader.getStats().recovering) await new Promise((r) => setTimeout(r, 5));
const recoverMs = performance.now() - r0;
h.disable();
const stats = reader.getStats();
await reader.shutdown();
rmSync(dir, { recursive: true, force: true });

console.log(
  `${(walBytes / 1024 ** 2).toFixed(0)} MiB of WAL (${walRecords.toLocaleString('en-US')} ${input} records, written in ${(writeMs / 1000).toFixed(1)} s). ${machine()}\n`,
);
console.log(
  table(
    ['metric', 'value'],
    [
      [
        'first export acknowledged after start',
        `${acceptMs.toFixed(0)} ms (code ${firstExport.code})`,
      ],
      ['every segment verified after', `${(recoverMs / 1000).toFixed(2)} s`],
      ['verify throughput', `${(walBytes / 1e6 / (recoverMs / 1000)).toFixed(0)} MB/s`],
      ['worst event-loop delay while recovering', `${(h.max / 1e6).toFixed(1)} ms`],
      ['p99 event-loop delay', `${(h.percentile(99) / 1e6).toFixed(1)} ms`],
      ['records recovered', stats.walRecords.toLocaleString('en-US')],
      ['corrupt records', String(stats.dropped.corrupt.total)],
    ],
  ),
);
