import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { parseTemplateKeySpec, templateOf } from '@spillway/sampling';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_SCAN_CHARS, TemplateKeyer } from '../src/internal/template-key';

const ERROR = 4;
const INFO = 2;

function record(body: unknown, extra: Partial<ReadableLogRecord> = {}): ReadableLogRecord {
  return {
    body,
    attributes: {},
    instrumentationScope: { name: 'scope-a' },
    ...extra,
  } as unknown as ReadableLogRecord;
}

function setup(attribute = '') {
  return new TemplateKeyer({ attribute });
}

describe('TemplateKeyer', () => {
  describe('shapeText', () => {
    it.each([
      ['GET /api/orders/8812 200 12ms', 'GET /api/orders/<n> <n> <n>ms'],
      ['user 42 logged in from 10.0.0.12', 'user <n> logged in from <ip>'],
      ['conn 10.1.2.3:8080 reset', 'conn <ip> reset'],
      ['request 3f2b8c1e-9a4d-4e21-b7f0-0c1d2e3f4a5b failed', 'request <uuid> failed'],
      ['trace 4bf92f3577b34da6a3ce929d0e0e4736', 'trace <hex>'],
      ['token aGVsbG8gd29ybGQhIHRoaXMgaXM= expired', 'token <id> expired'],
      ["can't find user 'bob'", "can't find user '<s>'"],
      ['said "hello there" twice', 'said "<s>" twice'],
      ['ran `rm -rf /` here', 'ran `<s>` here'],
      ['escaped "a \\" b" end', 'escaped "<s>" end'],
      ['unterminated "quote here', 'unterminated "<s>'],
      ['took 1.5s at 12:30:01.123', 'took <n>s at <n>'],
      ['worker3 done', 'worker<n> done'],
      ['addr 0x7ffe12', 'addr <hex>'],
      ['a   b\t\tc\n', 'a b c '],
      ['', ''],
      ['héllo wörld 42', 'héllo wörld <n>'],
      ['日本語 7 件', '日本語 <n> 件'],
      ['v2 api', 'v<n> api'],
      ['1,234 items', '<n> items'],
      ['size 1024KB', 'size <n>KB'],
      ['deadbeef cafe', 'deadbeef cafe'],
      ['id=abc123def456', 'id=<hex>'],
      ['<n> literal', '<n> literal'],
    ])('should mask %j as %j', (body, shape) => {
      expect(setup().shapeText(body)).toBe(shape);
    });

    it.each([
      [42, '<n>'],
      [10n, '<n>'],
      [true, '<bool>'],
      [null, ''],
      [undefined, ''],
      [{ msg: 'x' }, '<map>'],
      [[1, 2], '<array>'],
      [new Uint8Array(3), '<bytes>'],
    ])('should give the non-string body %s the shape %j', (body, shape) => {
      expect(setup().shapeText(body)).toBe(shape);
    });

    it('should treat a revoked proxy body as a map, without throwing', () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      expect(setup().shapeText(proxy)).toBe('<map>');
    });

    it('should read only the first 256 characters of a 10 MiB body', () => {
      const huge = `GET /x/${'7'.repeat(10 * 2 ** 20)}`;
      const k = setup();
      expect(k.shapeText(huge)).toBe('GET /x/<n>');
      expect(k.key(record(huge), ERROR)).toBe(k.key(record(`GET /x/${'7'.repeat(300)}`), ERROR));
      // What follows the first TEMPLATE_SCAN_CHARS characters is never read: two bodies that differ
      // only there have one key (a scan of the whole body would tell the words apart).
      const words = 'lorem ipsum '.repeat(2 ** 20);
      const tail = (end: string) => record(`GET /x ${words}${end}`);
      expect(k.key(tail('alpha beta'), ERROR)).toBe(k.key(tail('gamma delta'), ERROR));
      expect(k.shapeText(`GET /x ${words}`).length).toBeLessThanOrEqual(TEMPLATE_SCAN_CHARS);
    });

    it('should never end the text on half a surrogate pair', () => {
      const body = `${'a'.repeat(TEMPLATE_SCAN_CHARS - 1)}😀tail`;
      const shape = setup().shapeText(body);
      expect(shape).toBe('a'.repeat(TEMPLATE_SCAN_CHARS - 1));
      expect(/[\uD800-\uDBFF]$/.test(shape)).toBe(false);
    });
  });

  describe('key', () => {
    it('should give records of one shape one key, and other shapes other keys', () => {
      const k = setup();
      const a = k.key(record('GET /api/orders/8812 200 12ms'), ERROR);
      expect(k.key(record('GET /api/orders/17 500 3000ms'), ERROR)).toBe(a);
      expect(k.key(record('GET /api/users/17 500 3000ms'), ERROR)).not.toBe(a);
      expect(Number.isSafeInteger(a)).toBe(true);
    });

    it('should include the severity class and the scope name', () => {
      const k = setup();
      const a = k.key(record('disk full'), ERROR);
      expect(k.key(record('disk full'), INFO)).not.toBe(a);
      expect(
        k.key(record('disk full', { instrumentationScope: { name: 'scope-b' } }), ERROR),
      ).not.toBe(a);
    });

    it('should key by the event name when set, whatever the body', () => {
      const k = setup();
      const a = k.key(record('one body', { eventName: 'order.failed' }), ERROR);
      expect(k.key(record({ other: 'body' }, { eventName: 'order.failed' }), ERROR)).toBe(a);
      expect(k.text(record('one body', { eventName: 'order.failed' }))).toBe('order.failed');
    });

    it('should key by the chosen attribute, and fall back to the body without it', () => {
      const k = setup('log.template');
      const withAttr = (v: unknown, body: string) =>
        record(body, { attributes: { 'log.template': v } as ReadableLogRecord['attributes'] });
      const a = k.key(withAttr('order failed: {id}', 'order 1 failed'), ERROR);
      expect(k.key(withAttr('order failed: {id}', 'totally different'), ERROR)).toBe(a);
      expect(k.key(withAttr(7, 'x'), ERROR)).toBe(k.key(withAttr(7, 'y'), ERROR));
      expect(k.text(withAttr('order failed: {id}', 'x'))).toBe('order failed: {id}');
      expect(k.key(record('order 1 failed'), ERROR)).toBe(k.key(record('order 2 failed'), ERROR));
      expect(k.text(record('order 1 failed'))).toBe('order <n> failed');
    });

    it('should never throw, stay a safe integer, and bound the text, for any body (property)', () => {
      const body = fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.stringMatching(/^[0-9a-f.:\-'"` ]{0,600}$/),
        fc.anything(),
      );
      const k = setup();
      fc.assert(
        fc.property(body, fc.option(fc.string({ maxLength: 300 })), (b, eventName) => {
          const r = record(b, eventName === null ? {} : { eventName });
          const key = k.key(r, ERROR);
          expect(Number.isSafeInteger(key) && key >= 0).toBe(true);
          expect(k.key(r, ERROR)).toBe(key);
          const text = k.text(r);
          // Each character read gives at most three of text (a digit becomes `<n>`).
          expect(text.length).toBeLessThanOrEqual(3 * TEMPLATE_SCAN_CHARS);
        }),
        { numRuns: 2000 },
      );
    });

    it('should key a body by its first characters only, whatever its length (property)', () => {
      const k = setup();
      // Two 2 Mi bodies alike in their first TEMPLATE_SCAN_CHARS characters and different after:
      // one key (a keyer that read past the bound, and so in time growing with the body, would
      // tell them apart by the tail).
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.string({ minLength: 1, maxLength: 16 }),
          (unit, tail) => {
            const head = unit.repeat(Math.ceil(2 ** 21 / unit.length));
            const a = `${head} ${tail} 1 alpha`;
            const b = `${head} beta ${tail}`;
            expect(k.key(record(a), ERROR)).toBe(k.key(record(b), ERROR));
            expect(k.key(record(a), ERROR)).toBe(
              k.key(record(head.slice(0, TEMPLATE_SCAN_CHARS + 8)), ERROR),
            );
          },
        ),
        { numRuns: 10 },
      );
    });
  });
});

describe('parseTemplateKeySpec', () => {
  it.each([
    ['body', 'body'],
    ['  body ', 'body'],
    ['attr:log.template', { attribute: 'log.template' }],
    [' attr:event.kind ', { attribute: 'event.kind' }],
    ['attr:', undefined],
    ['attr:a b', undefined],
    ['Body', undefined],
    ['', undefined],
    ['attribute:x', undefined],
  ])('should parse %j as %j', (text, expected) => {
    expect(parseTemplateKeySpec(text)).toEqual(expected);
  });
});

describe('templateOf', () => {
  it('should give the text flood control keys by, for body and attribute modes', () => {
    const r = record('GET /api/orders/8812 200 12ms', { attributes: { route: '/orders/:id' } });
    expect(templateOf(r)).toBe('GET /api/orders/<n> <n> <n>ms');
    expect(templateOf(r)).toBe(setup().text(r));
    expect(templateOf(r, { attribute: 'route' })).toBe(setup('route').text(r));
    expect(templateOf(record('x', { eventName: 'order.paid' } as Partial<ReadableLogRecord>))).toBe(
      setup().text(record('x', { eventName: 'order.paid' } as Partial<ReadableLogRecord>)),
    );
  });
});
