import { luhnValid } from '@spillway/redaction';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeCardNumber } from './fake-secrets';
import { setup } from './helpers';

// The value rules find their matches with an `exec` loop and the card rule sums Luhn as a span of
// digit groups grows: both are checked here against plain models of what they must do, through
// the real processor, on generated text.

const R = '[REDACTED]';

// The card rule as its documentation states it, written the direct way: whole run first, else the
// longest span of 3+-digit groups from each group, left to right.
function isCardModel(digits: string): boolean {
  return (
    digits.length >= 13 &&
    digits.length <= 19 &&
    digits[0]! >= '2' &&
    digits[0]! <= '6' &&
    luhnValid(digits)
  );
}

function cardRunModel(run: string, gluedAfter: boolean): string {
  const groups = run.split(/[ -]/);
  const seps = run.match(/[ -]/g) ?? [];
  const usable = gluedAfter ? groups.length - 1 : groups.length;
  if (usable === groups.length && isCardModel(groups.join(''))) return R;
  if (groups.length === 1) return run;
  const parts: string[] = [];
  let k = 0;
  while (k < groups.length) {
    let best = -1;
    let digits = '';
    for (let j = k; j < usable; j++) {
      if (groups[j]!.length < 3 || digits.length + groups[j]!.length > 19) break;
      digits += groups[j];
      if (isCardModel(digits)) best = j;
    }
    if (best < 0) {
      parts.push(groups[k]!, k < seps.length ? seps[k]! : '');
      k++;
    } else {
      parts.push(R, best < seps.length ? seps[best]! : '');
      k = best + 1;
    }
  }
  return parts.join('');
}

const groupArb = fc.oneof(
  fc.stringMatching(/^[0-9]{1,8}$/),
  fc.constantFrom('4', '5', '37', '6').map((p) => fakeCardNumber(p, p === '37' ? 15 : 16)),
  fc.constantFrom('4111', '1111', '2024', '12', '5555'),
);
// A run of groups joined by single separators, preceded by a space so nothing glues it before.
const runArb = fc
  .tuple(fc.array(groupArb, { minLength: 1, maxLength: 7 }), fc.array(fc.constantFrom(' ', '-')))
  .map(([groups, seps]) => groups.map((g, i) => (i === 0 ? g : (seps[i] ?? ' ') + g)).join(''))
  .filter((run) => run.replace(/[ -]/g, '').length >= 13);

describe('card rule against its model', () => {
  const { emit } = setup({ rules: ['card'], maxValueChars: 0 });
  it('should redact exactly what the documented rule redacts, glued after or not', () => {
    fc.assert(
      fc.property(runArb, fc.constantFrom('', ' ok', 'x', '_', '.'), (run, after) => {
        const glued = after === 'x' || after === '_';
        const got = emit({ body: `pan ${run}${after}` }).body;
        expect(got).toBe(`pan ${cardRunModel(run, glued)}${after}`);
      }),
      { numRuns: 2000 },
    );
  });
});

// A user pattern's matches, as `String.prototype.replace` with a global pattern finds them:
// empty matches are kept as they are and the search steps one code unit (one code point under
// `u`) past them.
const userPatterns: Array<[string, RegExp]> = [
  ['word', /[a-z]+/],
  ['maybe', /x*/],
  ['point', /./u],
  ['empty-u', /(?:)/u],
  ['named', /(?<lead>a)(?<rest>b+)?/],
  ['sticky', /ab/y],
  ['astral', /\u{1F600}/u],
];
const textArb = fc.string({
  unit: fc.constantFrom('a', 'b', 'x', ' ', 'z', '\u{1F600}', '\uD83D', '\uDE00', 'é'),
  maxLength: 40,
});

describe('user patterns against String.prototype.replace', () => {
  for (const [name, pattern] of userPatterns) {
    it(`should replace what replace() would, for ${pattern}`, () => {
      const { emit, redacting } = setup({
        rules: [],
        maxValueChars: 0,
        patterns: [{ name, pattern, replacement: (m) => `<${m.length}>` }],
      });
      const global = new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, '')}g`);
      let expectedCount = 0;
      fc.assert(
        fc.property(textArb, (text) => {
          let n = 0;
          const expected = text.replace(global, (m) => {
            if (m === '') return m;
            n++;
            return `<${m.length}>`;
          });
          expectedCount += n;
          expect(emit({ body: text }).body).toBe(expected);
        }),
        { numRuns: 500 },
      );
      expect(redacting.getStats().applied[name]).toBe(expectedCount);
    });
  }

  it('should keep its place when a replacement function redacts another value meanwhile', () => {
    let nested: ((text: string) => void) | undefined;
    const { logger, collected } = setup({
      rules: ['card'],
      maxValueChars: 0,
      patterns: [
        {
          name: 'ticket',
          pattern: /T-[0-9]+/,
          // Runs the same processor, and so the same built-in pattern objects, from inside a scan.
          replacement: (m) => {
            nested?.(`inner ${fakeCardNumber('4', 16)} and ${fakeCardNumber('5', 16)}`);
            return `[ticket ${m.length}]`;
          },
        },
      ],
    });
    nested = (text) => logger.emit({ severityNumber: 9, body: text });
    const a = fakeCardNumber('4', 16);
    const b = fakeCardNumber('6', 16);
    logger.emit({ severityNumber: 9, body: `T-1 ${a} T-22 ${b} T-333` });
    const bodies = collected.records.map((r) => r.body);
    // Three nested records, each redacted, then the outer one, whole.
    expect(bodies).toEqual([
      ...Array(3).fill(`inner ${R} and ${R}`),
      `[ticket 3] ${R} [ticket 4] ${R} [ticket 5]`,
    ]);
  });
});
