import {
  DEFAULT_RULES,
  formatRedactSpec,
  mergeRedactionOptions,
  parseRedactSpec,
  RedactingLogRecordProcessor,
  redactionOptionsOf,
} from '@spillway/redaction';
import { describe, expect, it } from 'vitest';

describe(parseRedactSpec, () => {
  it('should start from the default rules and add or remove parts left to right', () => {
    expect(parseRedactSpec('default').spec.rules).toEqual(DEFAULT_RULES);
    expect(parseRedactSpec('').spec.rules).toEqual(DEFAULT_RULES);
    expect(parseRedactSpec('none').spec.rules).toEqual([]);
    expect(parseRedactSpec('none,jwt').spec.rules).toEqual(['jwt']);
    expect(parseRedactSpec('email').spec.rules).toEqual([...DEFAULT_RULES, 'email']);
    expect(parseRedactSpec(' -card , -BEARER ').spec.rules).toEqual(
      DEFAULT_RULES.filter((r) => r !== 'card' && r !== 'bearer'),
    );
    expect(parseRedactSpec('none,default').spec.rules).toEqual(DEFAULT_RULES);
  });

  it('should read key, keep, drop and value parts, with \\, for a comma', () => {
    const { spec, invalidParts } = parseRedactSpec(
      'default,email:hash,key:*ssn*,key:a\\,b,keep:token_type,drop:http.request.body,value:ORD-\\d{4\\,6}',
    );
    expect(invalidParts).toEqual([]);
    expect(spec).toEqual({
      rules: [...DEFAULT_RULES, 'email'],
      emailHash: true,
      keys: ['*ssn*', 'a,b'],
      keepKeys: ['token_type'],
      dropKeys: ['http.request.body'],
      patterns: ['ORD-\\d{4,6}'],
    });
    expect(new RegExp(spec.patterns[0]!).test('ORD-12345')).toBe(true);
  });

  it('should list invalid parts and keep the valid ones', () => {
    const { spec, invalidParts } = parseRedactSpec(
      'none,key:*ssn*,cards,key:,value:(,-nothing,x:y',
    );
    expect(invalidParts).toEqual(['cards', 'key:', 'value:(', '-nothing', 'x:y']);
    expect(spec.rules).toEqual([]);
    expect(spec.keys).toEqual(['*ssn*']);
    // A value with no valid part keeps the default rules.
    expect(parseRedactSpec('nonsense').spec.rules).toEqual(DEFAULT_RULES);
  });
});

describe(formatRedactSpec, () => {
  it('should give back a text that parses to the same spec', () => {
    for (const text of [
      'default',
      'none',
      'none,jwt,card',
      'default,email:hash,key:a\\,b,drop:x,keep:y,value:a\\,b',
      '-card,email',
    ]) {
      const { spec } = parseRedactSpec(text);
      expect(parseRedactSpec(formatRedactSpec(spec)).spec, text).toEqual(spec);
    }
    expect(formatRedactSpec(parseRedactSpec('').spec)).toBe('default');
  });
});

describe(redactionOptionsOf, () => {
  it('should make processor options whose value patterns are named value:<n>', () => {
    const { spec } = parseRedactSpec('none,value:ORD-\\d+,key:*ssn*,email:hash');
    const p = new RedactingLogRecordProcessor(redactionOptionsOf(spec));
    expect(Object.keys(p.getStats().applied)).toEqual([
      'keys',
      'email',
      'value:1',
      'truncate',
      'drop',
      'cyclic',
      'depth_limit',
      'unreadable',
    ]);
    expect(redactionOptionsOf(spec).emailHashKey).toBeDefined();
    expect(redactionOptionsOf(parseRedactSpec('email').spec).emailHashKey).toBeUndefined();
  });
});

describe(mergeRedactionOptions, () => {
  it('should append globs, patterns and custom rules and replace what code sets', () => {
    const custom = { name: 'c', redact: (v: string) => v };
    const merged = mergeRedactionOptions(
      { rules: ['jwt'], keys: ['a'], dropKeys: ['d'], maxValueChars: 10 },
      { keys: ['b'], custom: [custom], maxValueChars: undefined, replacement: '***' },
    );
    expect(merged).toEqual({
      rules: ['jwt'],
      keys: ['a', 'b'],
      keepKeys: [],
      dropKeys: ['d'],
      patterns: [],
      custom: [custom],
      maxValueChars: 10,
      replacement: '***',
    });
    expect(mergeRedactionOptions({ rules: ['jwt'] }, { rules: [] }).rules).toEqual([]);
  });
});
