import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const RELATIVE = /^-((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a time argument: ISO-8601 (`2026-01-01`, `2026-01-01T10:00:00Z`, `…+02:00`; no zone
 * means UTC), relative to `now` (`-1h`, `-90m`, `-1d12h`, units ms s m h d w), or `now`.
 */
export function parseTimeArg(text: string, now = Date.now()): Date {
  const t = text.trim();
  if (t === 'now') return new Date(now);
  const rel = RELATIVE.exec(t);
  if (rel) {
    let ms = 0;
    for (const m of rel[1]!.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return new Date(now - ms);
  }
  if (ISO.test(t)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(t) || !t.includes(':') ? t : `${t}Z`;
    const d = new Date(zoned.length === 10 ? `${zoned}T00:00:00Z` : zoned.replace(' ', 'T'));
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new InvalidArgumentError(
    `"${text}" is not a time: use ISO-8601 (2026-01-01T10:00:00Z) or a relative time (-1h, -30m, -2d)`,
  );
}
