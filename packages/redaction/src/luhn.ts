/**
 * Payment card numbers: what the `card` rule treats as one. A candidate is 13–19 digits, written
 * plain or in groups split by single spaces or dashes, not part of an identifier (see
 * {@link CARD_CANDIDATE}), starting with 2–6 (the issuer ranges of
 * Mastercard 2-series, Amex, Visa, Mastercard, Discover/UnionPay/JCB: this leaves out millisecond
 * and nanosecond Unix timestamps, which start with 1 and would pass Luhn one time in ten), and
 * passing the Luhn checksum. Without Luhn a number is not redacted: order ids and other long
 * numbers stay readable.
 */

/** True when `digits` (ASCII digits only) passes the Luhn (mod 10) checksum. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when `digits` is a card number as this file's comment defines one. */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0);
  return first >= 50 /* 2 */ && first <= 54 /* 6 */ && luhnValid(digits);
}

/**
 * The card rule's replacement for one match of {@link CARD_CANDIDATE}: the match with the card
 * number in it replaced, or `undefined` to keep it. A grouped match may hold a card number plus a
 * neighbouring group (`4111 1111 1111 1111 12`, an expiry after it): when the whole fails, the
 * longest run of whole groups that is a card number is replaced. Only groups of 3 or more digits
 * count (card numbers are printed 4-4-4-4, 4-6-5, 4-4-4-4-3), which also keeps a hostile
 * `1 1 1 1 …` to the one check of each match.
 */
export function replaceCardNumber(match: string, replacement: string): string | undefined {
  if (isCardNumber(stripSeparators(match))) return replacement;
  const pieces = match.split(/([ -])/);
  if (pieces.length === 1) return undefined;
  const groups = pieces.filter((_, i) => i % 2 === 0);
  if (!groups.some((g) => g.length >= 3)) return undefined;
  for (let span = groups.length - 1; span >= 1; span--) {
    for (let from = 0; from + span <= groups.length; from++) {
      const run = groups.slice(from, from + span);
      if (run.some((g) => g.length < 3) || !isCardNumber(run.join(''))) continue;
      const before = pieces.slice(0, 2 * from).join('');
      const after = pieces.slice(2 * (from + span) - 1).join('');
      return before + replacement + after;
    }
  }
  return undefined;
}

function stripSeparators(s: string): string {
  return s.replace(/[ -]/g, '');
}

/**
 * 13–19 digits, single spaces or dashes allowed between them, standing alone: not glued to a
 * word (letters, digits, `_`, or a word and a dash before it), since numbers that are part of an
 * identifier — HDFS block ids `blk_-6952295868487656571`, hex ids — are not cards and would pass
 * Luhn one time in ten. Linear: each repetition must consume a digit, so a start position
 * backtracks at most 19 steps, and a start inside a digit run fails at the lookbehind at once.
 */
export const CARD_CANDIDATE =
  /(?<![0-9A-Za-z_]|[0-9A-Za-z_]-)[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_])/g;
