import { context } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSpan, plainLogger, SPAN, StackContextManager, setup } from './helpers';

beforeAll(() => {
  context.setGlobalContextManager(new StackContextManager());
});
afterAll(() => {
  context.disable();
});

type AnyLogger = ReturnType<typeof setup>['logger'];

function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { name: 'loop' };
  o.self = o;
  return o;
}

// Made once: a stack trace names the line that made the error.
const BOOM = new Error('boom');
const RANGE = new RangeError('r');

// Every call shape pino accepts, and hostile values among them.
const CALLS: Array<(l: AnyLogger) => void> = [
  (l) => l.info('plain'),
  (l) => l.info({ a: 1, b: 'two' }, 'with %s and %d', 'x', 42),
  (l) => l.info('interpolated %j', { k: [1, 2] }),
  (l) => l.info({ msg: 'message in the object' }),
  (l) => l.info(42 as unknown as string),
  (l) => l.info({ n: 1 }, { not: 'a string' } as unknown as string),
  (l) => l.info(null as unknown as string),
  (l) => l.info(undefined as unknown as string),
  (l) => (l.info as () => void)(),
  (l) => l.error(BOOM),
  (l) => l.error({ err: RANGE }),
  (l) => l.warn(circular(), 'cycle'),
  (l) => l.warn({ big: 'x'.repeat(2_000_000) }, 'huge'),
  (l) => l.info({ fn: () => 1, u: undefined, inf: Infinity, nan: Number.NaN }, 'odd values'),
  (l) => l.info({ [Symbol('s')]: 1, 'event.name': 'e' }, 'symbol key'),
  (l) => l.child({ c: 1 }).child({ d: 'x' }).info({ c: 2 }, 'nested child'),
  (l) => inSpan(SPAN, () => l.info('in a span')),
];

describe('SpillwayPinoBridge', () => {
  describe("pino's output", () => {
    it('should be byte for byte what the logger writes without the bridge', async () => {
      const bridged = setup();
      const plain = plainLogger();
      for (const call of CALLS) {
        call(bridged.logger);
        call(plain.logger as unknown as AnyLogger);
      }
      expect(bridged.out.text).toBe(plain.out.text);
      expect(bridged.out.text.split('\n')).toHaveLength(CALLS.length + 1);
      expect(await bridged.records()).toHaveLength(CALLS.length);
      expect(bridged.bridge.getStats().failed).toBe(0);
    });

    it('should be unchanged with redaction, serializers and a custom message key', () => {
      const options = {
        redact: ['secret'],
        messageKey: 'message',
        serializers: { req: (r: { url: string }) => ({ url: r.url }) },
      };
      const bridged = setup(undefined, options);
      const plain = plainLogger(options);
      for (const l of [bridged.logger, plain.logger]) {
        l.info({ secret: 's3cr3t', req: { url: '/a', headers: {} } }, 'req');
        l.info({ message: 'in the object' });
      }
      expect(bridged.out.text).toBe(plain.out.text);
    });
  });

  describe('hostile input', () => {
    it('should never throw into the caller: a throwing getter or serializer is counted', async () => {
      const bridged = setup(undefined, {
        serializers: {
          bad: () => {
            throw new Error('serializer failed');
          },
        },
      });
      const plain = plainLogger();
      const throwing = {
        get boom(): string {
          throw new Error('getter failed');
        },
      };
      // pino itself throws on these (its own serialization); the bridge adds no throw of its own
      // and leaves the stream as pino leaves it.
      expect(() => bridged.logger.info(throwing, 'x')).toThrow('getter failed');
      expect(() => plain.logger.info(throwing, 'x')).toThrow('getter failed');
      expect(() => bridged.logger.info({ bad: 1 }, 'y')).toThrow('serializer failed');
      expect(bridged.out.text).toBe(plain.out.text);
      expect(bridged.bridge.getStats()).toEqual({ asked: 2, refused: 0, emitted: 0, failed: 2 });
      bridged.logger.info('after');
      expect((await bridged.records()).map((r) => r.body)).toEqual(['after']);
    });

    it('should send cycles, huge strings, non-string messages and odd values as values', async () => {
      const { logger, records } = setup();
      for (const call of CALLS) call(logger);
      const got = await records();
      const byBody = new Map(got.map((r) => [r.body, r]));
      expect(byBody.get(42)).toBeDefined();
      expect(byBody.get('message in the object')).toBeDefined();
      expect(byBody.has(null)).toBe(true);
      expect(byBody.get('boom')!.attributes['exception.message']).toBe('boom');
      expect(byBody.get('r')!.attributes['exception.type']).toBe('RangeError');
      expect(byBody.get('with x and 42')!.attributes).toEqual({ a: 1, b: 'two' });
      expect(byBody.get('interpolated {"k":[1,2]}')).toBeDefined();
      expect(byBody.get('nested child')!.attributes).toEqual({ c: 2, d: 'x' });
      expect(byBody.get('symbol key')!.eventName).toBe('e');
      expect(byBody.get('in a span')!.spanContext?.traceId).toBe(SPAN.traceId);
      const odd = byBody.get('odd values')!.attributes;
      expect(Object.keys(odd).sort()).toEqual(['inf', 'nan']);
    });
  });
});
