import { isAbsolute, resolve, sep } from 'node:path';
import { MAX_TIMER_MILLIS } from '@spillway/sampling';

// The one set of parsers for spillway's value forms (sizes, durations, whole numbers, the fsync
// policy, directories), used for environment variables and OTEL_CONFIG_FILE properties alike. Each
// returns the parsed value or an `Invalid` naming the accepted form: a value below a minimum is
// invalid like a malformed one, and the caller warns once (config-warning.ts) and uses the default.

/** A value that did not parse: `expected` names the accepted form, for the warning. */
export interface Invalid {
  readonly invalid: true;
  readonly expected: string;
}

export type Parsed<T> = T | Invalid;

export function isInvalid<T>(v: Parsed<T>): v is Invalid {
  return typeof v === 'object' && v !== null && (v as Invalid).invalid === true;
}

/** An `Invalid` naming the accepted form. */
export function invalid(expected: string): Invalid {
  return { invalid: true, expected };
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};
const SIZE_FORM =
  'a byte count or a number with a unit: 1048576, 512MiB, 2GiB, 1.5GB (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)';

/**
 * `512MiB`, `2GiB`, `1.5GB`, `1048576` → bytes (a safe integer ≥ `min`). A size below `min` is
 * invalid, its form naming the minimum: a bound too small to hold anything must be warned about,
 * not accepted (a 1-byte queue keeps nothing).
 */
export function parseSize(text: string, min = 0): Parsed<number> {
  const form = min > 0 ? `${SIZE_FORM}, at least ${formatSize(min)}` : SIZE_FORM;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return invalid(form);
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return invalid(form);
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes >= min ? bytes : invalid(form);
}

/** Bytes as the shortest exact binary unit: 1073741824 → `1GiB`, 1000 → `1000B`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)}MiB`;
  return `${bytes}B`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/**
 * The longest duration accepted, ms: every duration ends up in a `setTimeout`, and Node fires a
 * longer timer after 1 ms instead (TimeoutOverflowWarning) — an export timeout of 30 days would
 * fail every export at once.
 */
export const MAX_DURATION_MILLIS = MAX_TIMER_MILLIS;
const DURATION_FORM =
  'milliseconds or a number with a unit: 5000, 250ms, 5s, 2m, 1h (at most 2147483647 ms, about 24 days)';

/** `5000` (ms, as OTel's variables), `250ms`, `5s`, `2m`, `1h` → milliseconds (integer 0–2^31−1). */
export function parseDuration(text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  if (!m) return invalid(DURATION_FORM);
  const ms = Math.round(Number(m[1]) * (DURATION_UNITS[(m[2] || 'ms').toLowerCase()] ?? 1));
  return Number.isSafeInteger(ms) && ms <= MAX_DURATION_MILLIS ? ms : invalid(DURATION_FORM);
}

/** A whole number ≥ `min`. */
export function parseInteger(text: string, min: number): Parsed<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return invalid(`a whole number ≥ ${min}`);
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= min ? n : invalid(`a whole number ≥ ${min}`);
}

/**
 * The WAL's fsync policy, i.e. when an export is acknowledged: `'always'` after fdatasync;
 * `{ intervalMillis }` once written, with an fdatasync at least every `intervalMillis`; `'never'`
 * once written (page cache only).
 */
export type FsyncPolicy = 'always' | 'never' | { intervalMillis: number };

/** `always`, `never` or `interval:<duration>` (`interval:200`, `interval:1s`). */
export function parseFsync(text: string): Parsed<FsyncPolicy> {
  const t = text.trim();
  if (t === 'always' || t === 'never') return t;
  const m = /^interval:(.+)$/.exec(t);
  if (m) {
    const ms = parseDuration(m[1]!);
    if (!isInvalid(ms) && ms > 0) return { intervalMillis: ms };
  }
  return invalid('always, never or interval:<milliseconds> (e.g. interval:200, interval:1s)');
}

const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys'];

/**
 * A data directory (`SPILLWAY_DIR`): an absolute path outside /proc and /sys, which are not storage
 * (creating directories there can even hang). A relative path is refused: it would name another
 * directory whenever the app starts from another working directory (a restart, `spillway doctor`
 * run elsewhere), and the backlog left in the first would never be found again.
 */
export function parseDirectory(text: string): Parsed<string> {
  const t = text.trim();
  const form =
    'an absolute directory path outside /proc and /sys (e.g. /var/lib/my-service/spillway)';
  if (t === '' || !isAbsolute(t)) return invalid(form);
  const abs = resolve(t);
  if (PSEUDO_FILE_SYSTEMS.some((p) => abs === p || abs.startsWith(p + sep))) return invalid(form);
  return abs;
}
