import { context, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRatios, inSpan, SPAN, StackContextManager, setup } from './helpers';

beforeAll(() => {
  context.setGlobalContextManager(new StackContextManager());
});
afterAll(() => {
  context.disable();
});

describe('SpillwayPinoBridge', () => {
  describe('records', () => {
    it('should send severity number and text, body and attributes of each pino call', async () => {
      const { logger, records } = setup();
      logger.trace('t');
      logger.debug('d');
      logger.info({ user: 'ada', n: 3, ok: true, nested: { a: [1, 2] } }, 'hello %s', 'world');
      logger.warn('w');
      logger.error('e');
      logger.fatal('f');
      const got = await records();
      expect(got.map((r) => [r.severityNumber as number, r.severityText, r.body])).toEqual([
        [1, 'trace', 't'],
        [5, 'debug', 'd'],
        [9, 'info', 'hello world'],
        [13, 'warn', 'w'],
        [17, 'error', 'e'],
        [21, 'fatal', 'f'],
      ]);
      expect(got[2]!.attributes).toEqual({ user: 'ada', n: 3, ok: true, nested: { a: [1, 2] } });
      expect(got[0]!.attributes).toEqual({});
    });

    it('should take trace and span id from the active span context', async () => {
      const { logger, records } = setup();
      inSpan(SPAN, () => logger.info('in a span'));
      logger.info('outside');
      const [inside, outside] = await records();
      expect(inside!.spanContext?.traceId).toBe(SPAN.traceId);
      expect(inside!.spanContext?.spanId).toBe(SPAN.spanId);
      expect(inside!.spanContext?.traceFlags).toBe(TraceFlags.SAMPLED);
      expect(outside!.spanContext).toBeUndefined();
      expect(context.active()).toBe(ROOT_CONTEXT);
    });

    it("should add a child logger's bindings (not pid or hostname), the call's keys winning", async () => {
      const { logger, records } = setup();
      const child = logger.child({ component: 'http', region: 'eu' });
      const grandchild = child.child({ route: '/pay' });
      child.info('one');
      grandchild.info({ region: 'us' }, 'two');
      const [one, two] = await records();
      expect(one!.attributes).toEqual({ component: 'http', region: 'eu' });
      expect(two!.attributes).toEqual({ component: 'http', region: 'us', route: '/pay' });
    });

    it('should send an error as exception attributes, its message as body', async () => {
      const { logger, records } = setup();
      const err = Object.assign(new Error('payment provider returned 502'), { code: 'E502' });
      logger.error(err);
      logger.error({ err: new TypeError('bad') }, 'checkout failed');
      const [first, second] = await records();
      expect(first!.body).toBe('payment provider returned 502');
      expect(first!.attributes['exception.type']).toBe('E502');
      expect(first!.attributes['exception.message']).toBe('payment provider returned 502');
      expect(String(first!.attributes['exception.stacktrace'])).toContain('Error: payment');
      expect(second!.body).toBe('checkout failed');
      expect(second!.attributes['exception.type']).toBe('TypeError');
      expect(second!.attributes.err).toBeUndefined();
    });

    it("should apply the logger's serializers, msgPrefix and event.name as pino does", async () => {
      const { logger, records } = setup(undefined, {
        serializers: { user: (u: { id: number }) => ({ id: u.id }) },
        msgPrefix: '[pay] ',
      });
      logger.info({ user: { id: 7, password: 'x' }, 'event.name': 'checkout' }, 'done');
      const [r] = await records();
      expect(r!.body).toBe('[pay] done');
      expect(r!.attributes).toEqual({ user: { id: 7 } });
      expect(r!.eventName).toBe('checkout');
    });

    it("should build records of a logger with `redact` from pino's line: redacted values never leave", async () => {
      const { logger, out, records } = setup(undefined, {
        redact: ['password', 'card.number'],
      });
      logger.info(
        { password: 'hunter2', card: { number: '4111', exp: '12/30' }, user: 'ada' },
        'x',
      );
      const [r] = await records();
      expect(r!.attributes).toEqual({
        password: '[Redacted]',
        card: { number: '[Redacted]', exp: '12/30' },
        user: 'ada',
      });
      expect(r!.body).toBe('x');
      expect(out.text).not.toContain('hunter2');
    });

    it('should map custom levels by the pino level range, with their names as text', async () => {
      const { logger, records } = setup(undefined, {
        customLevels: { notice: 35, audit: 65, low: 5, over: 90 },
        level: 'low',
      });
      const l = logger as typeof logger &
        Record<'notice' | 'audit' | 'low' | 'over', typeof logger.info>;
      l.notice('n');
      l.audit('a');
      l.low('l');
      l.over('o');
      const got = await records();
      // (level − 10) / 60 of the 18 numbered severities, clamped: 35 → INFO3 (11), 65 → FATAL3
      // (23), below 10 → TRACE2 (2), above 70 → FATAL4 (24).
      expect(got.map((r) => [r.severityNumber as number, r.severityText])).toEqual([
        [11, 'notice'],
        [23, 'audit'],
        [2, 'low'],
        [24, 'over'],
      ]);
    });

    it('should bridge a logger once, however often it or its children are attached', async () => {
      const { bridge, logger, records } = setup();
      bridge.attach(logger);
      bridge.attach(logger.child({ a: 1 }));
      logger.child({ a: 1 }).info('once');
      expect(await records()).toHaveLength(1);
      expect(bridge.getStats()).toEqual({ asked: 1, refused: 0, emitted: 1, failed: 0 });
    });

    it('should refuse an object that is not a pino logger, with the reason', () => {
      const { bridge } = setup();
      expect(() => bridge.attach({ info() {} })).toThrow(/not a pino logger.*pino\.write/);
    });
  });

  describe('sampling', () => {
    it('should ask the sampling decision first and build nothing for a refused record', async () => {
      const { logger, counting, bridge, records, processor } = setup({
        ratios: { ...allRatios(1), info: 0 },
      });
      let reads = 0;
      const payload = {
        get user() {
          reads++;
          return 'ada';
        },
      };
      for (let i = 0; i < 100; i++) logger.info(payload, 'refused');
      // pino reads the getter once per line for its own output; the bridge never does.
      expect(reads).toBe(100);
      expect(counting.onEmitCalls).toBe(0);
      expect(counting.enabledCalls).toBe(100);
      logger.warn(payload, 'kept');
      expect(reads).toBe(102);
      expect(counting.onEmitCalls).toBe(1);
      expect((await records()).map((r) => r.body)).toEqual(['kept']);
      expect(bridge.getStats()).toEqual({ asked: 101, refused: 100, emitted: 1, failed: 0 });
      expect(processor.getStats().dropped.sampled.info).toBe(100);
    });

    it('should keep a trace whole or not at all, with the ratio on traced records', async () => {
      const { logger, records } = setup({
        ratios: { ...allRatios(1), info: 0.5 },
        traceSilenceAfter: 0,
      });
      const kept = new Set<string>();
      const traces = 200;
      for (let t = 1; t <= traces; t++) {
        const traceId = t.toString(16).padStart(4, '0').repeat(8);
        inSpan({ ...SPAN, traceId }, () => {
          logger.info('a');
          logger.info('b');
          logger.info('c');
        });
      }
      const got = await records();
      const perTrace = new Map<string, number>();
      for (const r of got) {
        const id = r.spanContext!.traceId;
        perTrace.set(id, (perTrace.get(id) ?? 0) + 1);
        kept.add(id);
      }
      expect([...perTrace.values()].every((n) => n === 3)).toBe(true);
      expect(kept.size).toBeGreaterThan(40);
      expect(kept.size).toBeLessThan(160);
    });
  });
});
