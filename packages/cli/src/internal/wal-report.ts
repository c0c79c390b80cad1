import { basename } from 'node:path';
import type { WalLockOwner, WalSlotInspection } from '@spillway/disk-buffer';

/*
 * How `spillway wal` shows a slot: a block of lines for people, a plain object for --json (times
 * as ISO strings and ages in ms, since JSON has no bigint).
 */

/** The lines of one slot, ending with a newline. */
export function describeWalSlot(s: WalSlotInspection, now: number): string {
  const lines = [`slot ${s.slot}  ${s.directory}`];
  const row = (name: string, text: string) => lines.push(`  ${name.padEnd(11)} ${text}`);
  row('lock', describeOwner(s.lock));
  row(
    'pending',
    `${s.recordsPending} records in ${plural(s.segments, 'segment')} and ${plural(s.spillFiles, 'spill file')}`,
  );
  const oldest = oldestMillis(s);
  row(
    'oldest',
    oldest === undefined
      ? '-'
      : `${new Date(oldest).toISOString()} (${describeAge(now - oldest)} ago)`,
  );
  row('checkpoint', describeCheckpoint(s.checkpoint));
  row('corrupt', plural(s.corruptFrames, 'frame'));
  for (const f of s.files)
    row(
      f.kind === 'wal' ? 'segment' : 'spill file',
      `${basename(f.path)}: ${f.bytes} bytes, ${f.records} records, ${f.recordsPending} pending`,
    );
  return `${lines.join('\n')}\n`;
}

/** The slot as JSON-safe data. */
export function walSlotJson(s: WalSlotInspection, now: number): Record<string, unknown> {
  const oldest = oldestMillis(s);
  return {
    slot: s.slot,
    directory: s.directory,
    segments: s.segments,
    spillFiles: s.spillFiles,
    recordsPending: s.recordsPending,
    oldestPendingTime:
      s.oldestPendingTimeUnixNano === undefined ? null : nanosToIso(s.oldestPendingTimeUnixNano),
    oldestPendingAgeMillis: oldest === undefined ? null : now - oldest,
    checkpoint: s.checkpoint,
    corruptFrames: s.corruptFrames,
    lock: s.lock ?? null,
    files: s.files,
    problems: s.problems,
  };
}

function oldestMillis(s: WalSlotInspection): number | undefined {
  const t = s.oldestPendingTimeUnixNano;
  return t === undefined ? undefined : Number(t / 1_000_000n);
}

function nanosToIso(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${iso}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

function describeOwner(lock: WalLockOwner | undefined): string {
  if (lock === undefined) return 'none (no lock file: no process owns this slot)';
  const beat = `heartbeat ${describeAge(lock.heartbeatAgeMillis)} ago`;
  if (lock.pid === undefined) return `lock file unreadable (${beat}): the next process takes it`;
  const who = `process ${lock.pid} on host ${lock.host ?? '(this host)'}`;
  return lock.state === 'running'
    ? `held by running ${who} (${beat})`
    : `${who} is gone (${beat}): the next process adopts the slot and delivers its backlog`;
}

function describeCheckpoint(cp: WalSlotInspection['checkpoint']): string {
  if (cp.state === 'missing') return 'none (delivery starts at the oldest file)';
  if (cp.state === 'corrupt')
    return `unreadable (${cp.reason}): delivery restarts at the oldest file`;
  const where =
    cp.kind === 'wal'
      ? `segment ${cp.seq} at byte ${cp.position}`
      : `spill file ${cp.seq} after ${cp.position} records`;
  return cp.trusted
    ? where
    : `${where}, not the oldest file: delivery restarts at the oldest file (records may repeat)`;
}

/** A duration for people: seconds, minutes, hours or days. */
export function describeAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
