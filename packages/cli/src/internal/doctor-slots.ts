import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Check } from './doctor-check';

/*
 * The WAL slots under <SPILLWAY_DIR>/wal, one line each: owner (pid, host, alive or gone) and the
 * records still pending there. Slot 0 is <SPILLWAY_DIR>/wal itself, slot n ≥ 1 is wal/<n>/ (see
 * @spillway/disk-buffer FORMAT.md). Read-only: nothing is locked, cut or deleted.
 */

const FRAME_HEADER_BYTES = 24;
const SEGMENT_HEADER_BYTES = 32;
const FRAME_MAGIC = 0x52465053; // "SPFR" little-endian
const CHECKPOINT_MAGIC = 0x4b435053; // "SPCK"
/** A lock not refreshed for this long on another host is stale (the disk buffer's rule). */
const FOREIGN_STALE_MILLIS = 30_000;

/** One check per slot that exists; "no slot taken yet" when none does. */
export function checkSlots(walDir: string): Check[] {
  const slots = slotDirectories(walDir).filter((s) => hasAnyFile(s.dir));
  if (slots.length === 0)
    return [
      { level: 'ok', text: 'WAL slots: none taken yet (a process takes one on its first record)' },
    ];
  return slots.map(({ n, dir }) => {
    const pending = pendingRecords(dir);
    const backlog = `${pending.records} records pending in ${pending.segments} segment${pending.segments === 1 ? '' : 's'}${pending.spills > 0 ? ` and ${pending.spills} spill files` : ''}`;
    return {
      level: 'info',
      text: `WAL slot ${n} (${dir}): ${owner(join(dir, 'lock'))}; ${backlog}`,
    };
  });
}

function slotDirectories(walDir: string): Array<{ n: number; dir: string }> {
  let names: string[];
  try {
    names = readdirSync(walDir);
  } catch {
    return [];
  }
  const numbered = names
    .filter((n) => /^[1-9]\d{0,5}$/.test(n))
    .filter((n) => statSync(join(walDir, n), { throwIfNoEntry: false })?.isDirectory())
    .map(Number)
    .sort((a, b) => a - b);
  return [{ n: 0, dir: walDir }, ...numbered.map((n) => ({ n, dir: join(walDir, String(n)) }))];
}

function hasAnyFile(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) =>
      statSync(join(dir, n), { throwIfNoEntry: false })?.isFile(),
    );
  } catch {
    return false;
  }
}

function owner(lockPath: string): string {
  let pid: number;
  let host: string | undefined;
  let age: number;
  try {
    const [p, h] = readFileSync(lockPath, 'utf8').split('\n');
    pid = Number.parseInt(p ?? '', 10);
    host = h?.trim() || undefined;
    age = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return 'no owner (free: the next process to log takes it, or a live one delivers its backlog)';
  }
  if (!Number.isInteger(pid) || pid <= 0) return 'lock unreadable (taken over by the next start)';
  const where = host ?? 'this host';
  if (host !== undefined && host !== hostname()) {
    return age < FOREIGN_STALE_MILLIS
      ? `held by process ${pid} on host ${where} (refreshed ${Math.round(age / 1000)} s ago)`
      : `owner ${pid} on host ${where} gone (not refreshed for ${Math.round(age / 1000)} s): adopted by the next process`;
  }
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    alive = (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return alive
    ? `held by running process ${pid} on host ${where}`
    : `owner ${pid} on host ${where} gone: adopted by the next process, its backlog recovered and delivered`;
}

/**
 * Records in the slot's WAL segments after the checkpoint, by frame headers (not checksummed:
 * an estimate for a diagnosis, never used to deliver), and the number of spill files.
 */
function pendingRecords(dir: string): { records: number; segments: number; spills: number } {
  const names = readdirSync(dir);
  const checkpoint = readCheckpoint(join(dir, 'checkpoint'));
  let records = 0;
  let segments = 0;
  for (const name of names) {
    const m = /^(\d{12})\.wal$/.exec(name);
    if (!m) continue;
    const seq = Number(m[1]);
    if (checkpoint && seq < checkpoint.seq) continue;
    segments++;
    const from = checkpoint?.kind === 0 && checkpoint.seq === seq ? checkpoint.position : 0;
    records += frameRecords(join(dir, name), from);
  }
  const spills = names.filter((n) => n.endsWith('.zst')).length;
  return { records, segments, spills };
}

function readCheckpoint(path: string): { kind: number; seq: number; position: number } | undefined {
  try {
    const b = readFileSync(path);
    if (b.length < 32 || b.readUInt32LE(0) !== CHECKPOINT_MAGIC) return undefined;
    return {
      kind: b[5]!,
      seq: Number(b.readBigUInt64LE(8)),
      position: Number(b.readBigUInt64LE(16)),
    };
  } catch {
    return undefined;
  }
}

/** Sum of frame record counts from byte `from`, walking frame lengths until the first non-frame. */
function frameRecords(path: string, from: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = statSync(path).size;
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    let at = Math.max(from, SEGMENT_HEADER_BYTES);
    let records = 0;
    while (at + FRAME_HEADER_BYTES <= size) {
      readSync(fd, header, 0, FRAME_HEADER_BYTES, at);
      if (header.readUInt32LE(0) !== FRAME_MAGIC) break;
      const length = header.readUInt32LE(8);
      if (length === 0 || at + FRAME_HEADER_BYTES + length > size) break;
      records += header.readUInt32LE(12);
      at += FRAME_HEADER_BYTES + length;
    }
    return records;
  } finally {
    closeSync(fd);
  }
}
