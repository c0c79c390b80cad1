import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  CompressedFileWriter,
  compressedFileName,
  parseCompressedFileName,
  readFrameTable,
  readLogRecordBatches,
} from '@spillway/file-exporter';
import type { SpillCursor } from './batch-source';
import type { Counters } from './counters';
import { FrameReader } from './frame-reader';
import type { Ledger, SpillEntry, WalEntry } from './ledger';
import { BatchDecoder } from './record-decoder';
import { countSeverities, emptyCounts } from './severity-counts';
import { SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * Spill: when the undelivered WAL backlog exceeds `spillAfterBytes`, the oldest closed segment the
 * sender is not reading is rewritten, one WAL frame per OTLP/JSON line, into a compressed file
 * (@spillway/file-exporter's format: zstd frames compressed on the libuv threadpool, never on the
 * event loop), then swapped in for the segment under the same seq:
 *
 *   <seq>.wal ─► <service>-<date>-<time>-<seq>.zst.tmp (+ .idx) ─► close (fsync) ─► rename both
 *             ─► fsync dir ─► ledger: seq is now a spill entry ─► delete <seq>.wal
 *
 * The rename of the .zst is the commit point: at restart a complete spill file wins over a
 * leftover segment of the same seq, and temp files are removed.
 */

export interface SpillerOptions {
  directory: string;
  ledger: Ledger;
  counters: Counters;
  spillAfterBytes: number;
  serviceName: string | undefined;
  /** True for segments the sender or the writer is using (never spilled). */
  busy: (seq: number) => boolean;
  onSpilled: () => void;
}

/** Estimated bytes above which spill lines stop being merged into one downstream export. */
const MAX_MERGE_BYTES = 1024 * 1024;

/** Raw OTLP/JSON bytes per zstd frame of a spill file: large frames compress best. */
const SPILL_FRAME_BYTES = 8 * 1024 * 1024;

export class Spiller {
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: SpillerOptions) {}

  /** Registers the spill files of a previous run (record counts come from `loadCounts`). */
  static list(directory: string, ledger: Ledger): SpillEntry[] {
    const out: SpillEntry[] = [];
    for (const name of fs.readdirSync(directory)) {
      const path = join(directory, name);
      if (name.includes('.zst.tmp')) {
        fs.rmSync(path, { force: true });
        continue;
      }
      const seq = name.endsWith('.zst') ? parseCompressedFileName(name)?.n : undefined;
      if (seq === undefined || seq === 0) continue;
      const entry: SpillEntry = {
        kind: 'spill',
        seq,
        path,
        bytes: fileSize(path) + fileSize(`${path}.idx`),
        records: 0,
        scanned: undefined,
        verified: false,
        evicted: false,
        severities: undefined,
      };
      ledger.set(entry);
      out.push(entry);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Reads a recovered spill file's record count from its index (or a header scan). */
  static async loadCount(entry: SpillEntry): Promise<void> {
    const table = await readFrameTable(entry.path);
    entry.records = table.frames.reduce((n, f) => n + f.records, 0);
  }

  /** Starts a conversion if the backlog is over the threshold and none is running. */
  maybeSpill(): void {
    if (this.running || this.stopped) return;
    const victim = this.candidate();
    if (victim === undefined) return;
    this.running = this.convert(victim)
      .catch((err) => this.o.counters.error(err))
      .finally(() => {
        this.running = undefined;
        this.maybeSpill();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Batches of a spill file after its first `skip` records. */
  async open(entry: SpillEntry, skip: number): Promise<SpillCursor> {
    await fs.promises.access(entry.path);
    const counters = this.o.counters;
    const batches = readLogRecordBatches(entry.path, {
      onProblem: (p) => {
        if (p.kind === 'index') return;
        counters.corruptFrames++;
        counters.drop('corrupt', p.records);
        counters.error(new Error(p.message));
      },
    });
    let toSkip = skip;
    return {
      async next(maxRecords: number): Promise<ReadableLogRecord[] | null> {
        const out: ReadableLogRecord[] = [];
        let bytes = 0;
        // Lines are merged up to a record count and a rough size (as WAL frames are).
        while (out.length < maxRecords && bytes < MAX_MERGE_BYTES) {
          const r = await batches.next();
          if (r.done) break;
          let batch = r.value;
          if (toSkip > 0) {
            const n = Math.min(toSkip, batch.length);
            toSkip -= n;
            batch = batch.slice(n);
          }
          for (const rec of batch) {
            out.push(rec);
            bytes += 200 + (typeof rec.body === 'string' ? rec.body.length : 0);
          }
        }
        return out.length > 0 ? out : null;
      },
      async close(): Promise<void> {
        await batches.return(undefined);
      },
    };
  }

  private candidate(): WalEntry | undefined {
    let backlog = 0;
    let oldest: WalEntry | undefined;
    for (const e of this.o.ledger.sorted()) {
      if (e.kind !== 'wal') continue;
      backlog += e.bytes;
      if (oldest === undefined && e.closed && e.verified && !e.evicted && !this.o.busy(e.seq)) {
        oldest = e;
      }
    }
    return backlog > this.o.spillAfterBytes ? oldest : undefined;
  }

  private async convert(seg: WalEntry): Promise<void> {
    const fh = await fs.promises.open(seg.path, 'r');
    let writer: CompressedFileWriter | undefined;
    let tmp = '';
    let records = 0;
    const severities = emptyCounts();
    try {
      const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES);
      const decoder = new BatchDecoder();
      for (;;) {
        if (this.abandoned(seg)) return;
        const r = await reader.next(seg.written);
        if (r === null || r.kind === 'incomplete') break;
        if (r.kind === 'corrupt') continue; // counted by the recovery scan or by the sender's rules
        const batch = decoder.decode(r.payload, 0, r.payload.length);
        if (writer === undefined) {
          const service =
            this.o.serviceName ??
            String(batch[0]?.resource.attributes['service.name'] ?? 'unknown_service');
          tmp = join(this.o.directory, `${compressedFileName(service, Date.now(), seg.seq)}.tmp`);
          writer = await CompressedFileWriter.create(tmp, { frameBytes: SPILL_FRAME_BYTES });
        }
        writer.appendRecords(batch);
        records += batch.length;
        countSeverities(batch, severities);
      }
      if (writer === undefined) return;
      await writer.close();
      if (this.abandoned(seg)) return;
      const final = tmp.slice(0, -'.tmp'.length);
      await fs.promises.rename(`${tmp}.idx`, `${final}.idx`);
      await fs.promises.rename(tmp, final);
      await syncDir(this.o.directory);
      // The sender may have started on this seq (or the cap evicted it) while we were writing.
      if (this.abandoned(seg)) {
        await rmSpill(final);
        return;
      }
      const entry: SpillEntry = {
        kind: 'spill',
        seq: seg.seq,
        path: final,
        bytes: fileSize(final) + fileSize(`${final}.idx`),
        records,
        scanned: undefined,
        verified: true,
        evicted: false,
        severities,
      };
      this.o.ledger.set(entry);
      writer = undefined;
      await fs.promises.rm(seg.path, { force: true });
      this.o.onSpilled();
    } finally {
      await fh.close();
      if (writer !== undefined) {
        await writer.close().catch(() => {});
        await rmSpill(tmp);
      }
    }
  }

  private abandoned(seg: WalEntry): boolean {
    return (
      this.stopped || seg.evicted || this.o.busy(seg.seq) || this.o.ledger.get(seg.seq) !== seg
    );
  }
}

function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

async function rmSpill(path: string): Promise<void> {
  await fs.promises.rm(path, { force: true });
  await fs.promises.rm(`${path}.idx`, { force: true });
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
