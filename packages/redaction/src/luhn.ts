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
 * The card rule's replacement for one match of {@link CARD_CANDIDATE} (a run of digit groups): the
 * run with each card number in it replaced, or `undefined` to keep it. `gluedAfter`: a word
 * character follows the run, so its last group belongs to an identifier and is not a card's.
 *
 * The whole run is one card when it has 13–19 digits. Otherwise a card may sit among other
 * groups (`2024 4111 1111 1111 1111`, `4111 1111 1111 1111 12/27`): from each group of 3 or more
 * digits (cards are printed 4-4-4-4, 4-6-5, 4-4-4-4-3) the longest span of such groups that is a
 * card number is replaced, left to right. A span holds at most 19 digits, so at most 6 groups: the
 * search is linear in the run, a hostile `1111 1111 1111 …` of a megabyte included.
 */
export function replaceCardNumber(
  match: string,
  replacement: string,
  gluedAfter: boolean,
): string | undefined {
  // Group boundaries as indexes (no substrings: a hostile run has hundreds of thousands of
  // groups). The pattern puts exactly one separator between two groups.
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < match.length; i++) {
    starts.push(i);
    while (i < match.length && isDigit(match.charCodeAt(i))) i++;
    ends.push(i);
  }
  const groups = starts.length;
  const usable = gluedAfter ? groups - 1 : groups;
  const digits = match.length - (groups - 1);
  if (usable === groups && digits >= 13 && digits <= 19) {
    if (longestCardSpan(match, starts, ends, 0, groups) === groups - 1) return replacement;
  }
  if (groups === 1) return undefined;
  let out = '';
  let copied = 0; // match[0, copied) is in `out`
  for (let k = 0; k < usable; k++) {
    const last = longestCardSpan(match, starts, ends, k, usable, 3);
    if (last < 0) continue;
    out += match.slice(copied, starts[k]) + replacement;
    copied = ends[last]!;
    k = last;
  }
  return copied > 0 ? out + match.slice(copied) : undefined;
}

/**
 * Index of the last group of the longest span of groups `from`… (each of `minGroup` digits or
 * more, `usable` groups at most) whose digits are a card number, else −1. No substrings: every
 * span from `from` starts with the same digit, so a first digit outside 2–6 ends the search at
 * once, and the Luhn sum is kept for both parities as the span grows (whether a digit is doubled
 * depends on the span's final length).
 */
function longestCardSpan(
  match: string,
  starts: number[],
  ends: number[],
  from: number,
  usable: number,
  minGroup = 1,
): number {
  const first = match.charCodeAt(starts[from]!);
  if (first < 50 /* 2 */ || first > 54 /* 6 */) return -1;
  // sumEven doubles the digits at even positions from the span's left, sumOdd those at odd ones:
  // a span of even length is checked by sumEven, one of odd length by sumOdd.
  let sumEven = 0;
  let sumOdd = 0;
  let n = 0;
  let best = -1;
  for (let j = from; j < usable; j++) {
    const start = starts[j]!;
    const end = ends[j]!;
    if (end - start < minGroup || n + end - start > 19) break;
    for (let i = start; i < end; i++) {
      const d = match.charCodeAt(i) - 48;
      const doubled = d * 2 > 9 ? d * 2 - 9 : d * 2;
      if ((n & 1) === 0) {
        sumEven += doubled;
        sumOdd += d;
      } else {
        sumEven += d;
        sumOdd += doubled;
      }
      n++;
    }
    if (n >= 13 && ((n & 1) === 0 ? sumEven : sumOdd) % 10 === 0) best = j;
  }
  return best;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A run of at least 13 digits, single spaces or dashes allowed between them, not glued to a word
 * before it (letters, digits, `_`, or a word and a dash): numbers that are part of an identifier
 * (HDFS block ids `blk_-6952295868487656571`, hex ids) are not cards and would pass Luhn one time
 * in ten. What follows the run is checked by the caller (see {@link replaceCardNumber}), not by a
 * lookahead: with nothing after the greedy repetition there is nothing to backtrack into, and a
 * start inside a run fails at the lookbehind at once (a start after a separator rescans at most
 * 13 digits before it fails), so the scan is linear. The first 13 digits are written out rather than
 * as `(?:[ -]?[0-9]){12,}`: the same language and the same matches, found in about half the time
 * (a counted repetition of an optional part is a backtracking loop in the engine; the written-out
 * form is straight-line code), which matters because every string value of 13 characters or more
 * is scanned with it.
 */
export const CARD_CANDIDATE = new RegExp(
  `(?<![0-9A-Za-z_]|[0-9A-Za-z_]-)${Array(13).fill('[0-9]').join('[ -]?')}(?:[ -]?[0-9])*`,
  'g',
);

/** True when the character after a {@link CARD_CANDIDATE} match glues it to an identifier. */
export function gluedAt(input: string, index: number): boolean {
  const c = input.charCodeAt(index);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */;
}
