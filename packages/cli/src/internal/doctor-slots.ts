import { hostname } from 'node:os';
import type { InspectWalOptions, WalLockOwner, WalSlotInspection } from '@spillway/disk-buffer';
import type { Check } from './doctor-check';
import { describeAge } from './wal-report';

/*
 * The WAL slots under <SPILLWAY_DIR>/wal, one line each: owner (pid, host, alive or gone), the
 * records still pending there and the age of the oldest, then a warning per slot with damaged
 * frames. Read through the disk buffer's own read-only inspection (`inspectWal`, as `spillway
 * wal` does): nothing is locked, cut or deleted, and every segment version it reads is counted.
 * An encrypted frame read without its key still counts its records: they are in its header.
 */

/** One check per slot that holds a file; "no slot taken yet" when none does. */
export async function checkSlots(
  walDir: string,
  encryption?: InspectWalOptions['encryption'],
): Promise<Check[]> {
  // Loaded when doctor runs, as `spillway wal` does: the other commands never need the disk buffer.
  const { inspectWal } = await import('@spillway/disk-buffer');
  let slots: WalSlotInspection[];
  try {
    slots = await inspectWal(walDir, { encryption });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return [
        { level: 'problem', text: `WAL ${walDir}: cannot be read: ${(err as Error).message}` },
      ];
    slots = [];
  }
  if (slots.length === 0)
    return [
      { level: 'ok', text: 'WAL slots: none taken yet (a process takes one on its first record)' },
    ];
  const now = Date.now();
  return slots.flatMap((s) => slotChecks(s, walDir, encryption !== undefined, now));
}

function slotChecks(s: WalSlotInspection, walDir: string, keyed: boolean, now: number): Check[] {
  const spills = s.spillFiles > 0 ? ` and ${s.spillFiles} spill files` : '';
  const backlog = `${s.recordsPending} records pending in ${plural(s.segments, 'segment')}${spills}`;
  const locked = s.problems.filter((p) => p.kind === 'undecryptable');
  const checks: Check[] = [
    {
      level: 'info',
      text: `WAL slot ${s.slot} (${s.directory}): ${owner(s.lock)}; ${backlog}${oldest(s, locked.length > 0 && !keyed, now)}`,
    },
  ];
  // Without a key an encrypted frame is expected, not damage: its records are counted all the same.
  if (keyed && locked.length > 0)
    checks.push({
      level: 'warning',
      text: `WAL slot ${s.slot}: ${plural(locked.length, 'encrypted frame')} (${locked.reduce((n, p) => n + p.records, 0)} records) that no key of SPILLWAY_ENCRYPTION_KEY_FILE opens: the app holds the segment until a start with the right key delivers it; details: spillway wal ${walDir}`,
    });
  const damage = s.problems.filter(
    (p) => p.kind !== 'undecryptable' && !(p.kind === 'torn' && s.lock?.state === 'running'),
  );
  if (damage.length > 0) {
    const lost = damage.reduce((n, p) => n + p.records, 0);
    const kinds = [...new Set(damage.map((p) => p.kind))].join(', ');
    checks.push({
      level: 'warning',
      text: `WAL slot ${s.slot}: ${plural(damage.length, 'damaged range')} (${kinds}; ${lost} records lost): the app skips them; details: spillway wal ${walDir}`,
    });
  }
  return checks;
}

/** "; oldest from … ago", or why it is not known: the time is in the (encrypted) payload. */
function oldest(s: WalSlotInspection, encryptedWithoutKey: boolean, now: number): string {
  if (s.recordsPending === 0) return '';
  const t = s.oldestPendingTimeUnixNano;
  if (t !== undefined) return `; oldest from ${describeAge(now - Number(t / 1_000_000n))} ago`;
  return encryptedWithoutKey
    ? '; oldest unknown (encrypted, no key: set SPILLWAY_ENCRYPTION_KEY_FILE to read it)'
    : '';
}

function owner(lock: WalLockOwner | undefined): string {
  if (lock === undefined)
    return 'no owner (free: the next process to log takes it, or a live one delivers its backlog)';
  if (lock.pid === undefined) return 'lock unreadable (taken over by the next start)';
  const where = lock.host ?? 'this host';
  const age = Math.round(lock.heartbeatAgeMillis / 1000);
  if (lock.host !== undefined && lock.host !== hostname()) {
    return lock.state === 'running'
      ? `held by process ${lock.pid} on host ${where} (refreshed ${age} s ago)`
      : `owner ${lock.pid} on host ${where} gone (not refreshed for ${age} s): adopted by the next process`;
  }
  return lock.state === 'running'
    ? `held by running process ${lock.pid} on host ${where}`
    : `owner ${lock.pid} on host ${where} gone: adopted by the next process, its backlog recovered and delivered`;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
