import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { CYCLIC, DEPTH_LIMIT } from '@spillway/record-format';
import { BUILTIN_RULES, RedactingLogRecordProcessor } from '@spillway/redaction';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fakeAwsAccessKeyId,
  fakeCardNumber,
  fakeJwt,
  fakeOpensshKey,
  fakePrivateKeyPem,
  grouped,
} from './fake-secrets';
import { setup } from './helpers';

/** A record as a processor gets it, without the SDK's validation in front (hostile callers). */
function rawRecord(body: unknown, attributes: Record<string, unknown> = {}) {
  const record = {
    body,
    attributes,
    setBody(b: unknown) {
      record.body = b;
      return record;
    },
  };
  return record as unknown as ReadWriteLogRecord & {
    body: unknown;
    attributes: Record<string, unknown>;
  };
}

describe('RedactingLogRecordProcessor with hostile values', () => {
  it('should replace a cycle by a placeholder and redact the rest', () => {
    const { emit, redacting } = setup();
    const body: Record<string, unknown> = { password: 'p', note: `t ${fakeJwt()}` };
    body.self = body;
    const r = emit({ body });
    expect(r.body).toEqual({ password: '[REDACTED]', note: 't [REDACTED]', self: CYCLIC });
    expect(redacting.getStats().applied.cyclic).toBe(1);
  });

  it('should stop at the depth the encoders allow, without deep recursion', () => {
    const { emit, redacting } = setup();
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const r = emit({ body: deep });
    let v = r.body as Record<string, unknown>;
    let depth = 1;
    while (typeof v === 'object') {
      v = v.d as Record<string, unknown>;
      depth++;
    }
    expect(v).toBe(DEPTH_LIMIT);
    expect(depth).toBe(31);
    expect(redacting.getStats().applied.depth_limit).toBe(1);
  });

  it('should replace a map whose reading throws (getter, Proxy) and count it', () => {
    const { emit, redacting } = setup();
    const getter = {
      get token(): string {
        throw new Error('no');
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    expect(emit({ body: { a: getter, b: 1 } }).body).toEqual({ a: '[REDACTED]', b: 1 });
    expect(emit({ body: proxy }).body).toBe('[REDACTED]');
    expect(redacting.getStats().applied.unreadable).toBe(2);
  });

  it('should fail closed when a custom rule or a replacement function throws', () => {
    const { emit, redacting } = setup({
      custom: [
        {
          name: 'boom',
          redact: (v) => {
            if (v.includes('boom')) throw new Error('custom failed');
            return v;
          },
        },
      ],
      patterns: [
        {
          name: 'fn',
          pattern: /X\d+/,
          replacement: () => {
            throw new Error('replacement failed');
          },
        },
      ],
    });
    expect(emit({ body: 'a boom b' }).body).toBe('[REDACTED]');
    expect(emit({ body: 'id X123 ok' }).body).toBe('id [REDACTED] ok');
    expect(redacting.getStats().errors).toBe(2);
  });

  it('should fail closed, never throw, when the record itself cannot be read', () => {
    const p = new RedactingLogRecordProcessor();
    const record = rawRecord('Bearer abcdefghijklmnop', { a: 'x' });
    Object.defineProperty(record, 'attributes', {
      get: () =>
        new Proxy(
          {},
          {
            ownKeys() {
              throw new Error('hostile');
            },
          },
        ),
    });
    expect(() => p.onEmit(record)).not.toThrow();
    expect(record.body).toBe('[REDACTED]');
    expect(p.getStats().errors).toBe(1);
  });

  it('should keep a __proto__ key as an own key, redacted', () => {
    const { emit } = setup();
    const body = JSON.parse('{"__proto__": {"password": "p"}, "x": "eyJ"}');
    const r = emit({ body: { wrap: body, secret: 's' } });
    const wrap = (r.body as Record<string, Record<string, unknown>>).wrap!;
    expect(Object.keys(wrap)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(wrap, '__proto__')?.value).toEqual({
      password: '[REDACTED]',
    });
  });

  it('should redact own fields of class instances as the encoders read them', () => {
    class Creds {
      user = 'ann';
      password = 'p';
    }
    const r = setup().emit({ body: new Creds() });
    expect(r.body).toEqual({ user: 'ann', password: '[REDACTED]' });
  });
});

// Strings made of ordinary text and fake secrets, and records made of those: after redaction no
// secret is left, and redacting the output again changes nothing (no built-in pattern matches).
// Every card number generated, to check that its digits do not survive in any grouping.
const cards: string[] = [];
const card = () => {
  const c = fakeCardNumber();
  cards.push(c);
  return c;
};
const secretArb = fc.constantFrom(
  () => fakeJwt(),
  () => fakeAwsAccessKeyId(),
  () => `Bearer ${fakeJwt()}`,
  () => card(),
  () => grouped(card(), ' '),
  () => `2024 ${grouped(card(), '-')} 12`,
  () => fakePrivateKeyPem(),
  () => fakeOpensshKey(),
  () => 'ann.lee@example.com',
);
const textArb = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      secretArb.map((f) => f()),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(' '));
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    textArb,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) stringsOf([k, x], out);
  return out;
}

describe('property: any record', () => {
  it('should never make onEmit throw, whatever the body and attributes hold', () => {
    const p = new RedactingLogRecordProcessor({ rules: [...BUILTIN_RULES], maxValueChars: 64 });
    fc.assert(
      fc.property(
        fc.anything({ withObjectString: true, withNullPrototype: true }),
        fc.dictionary(fc.string(), fc.anything()),
        (body, attributes) => {
          expect(() => p.onEmit(rawRecord(body, attributes))).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
    expect(p.getStats().errors).toBe(0);
  });

  it('should leave no secret and nothing a built-in pattern would match', () => {
    const options = { rules: [...BUILTIN_RULES], maxValueChars: 0 };
    const p = new RedactingLogRecordProcessor(options);
    const again = new RedactingLogRecordProcessor(options);
    fc.assert(
      fc.property(
        valueArb,
        fc.dictionary(fc.string({ maxLength: 8 }), valueArb, { maxKeys: 4 }),
        (body, attributes) => {
          const input = JSON.stringify([body, attributes]);
          const record = rawRecord(body, { ...attributes });
          p.onEmit(record);
          const out = JSON.stringify([record.body, record.attributes]);
          for (const s of stringsOf([body, attributes])) {
            for (const secret of s.split(' ').filter((w) => w.length >= 20)) {
              if (/^(eyJ|AKIA|[2-6]\d{12,})/.test(secret)) expect(out).not.toContain(secret);
            }
          }
          const digitsOut = out.replace(/[ -]/g, '');
          const digitsIn = input.replace(/[ -]/g, '');
          for (const c of cards) if (digitsIn.includes(c)) expect(digitsOut).not.toContain(c);
          const before = again.getStats().applied;
          again.onEmit(rawRecord(record.body, { ...record.attributes }));
          const after = again.getStats().applied;
          for (const rule of BUILTIN_RULES) {
            if (rule === 'secret-keys') continue;
            expect(after[rule], `${rule} matched in ${out} (from ${input})`).toBe(before[rule]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
