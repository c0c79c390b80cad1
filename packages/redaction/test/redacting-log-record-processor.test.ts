import { ROOT_CONTEXT } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { RedactingLogRecordProcessor, truncationMarker } from '@spillway/redaction';
import { describe, expect, it } from 'vitest';
import { fakeCardNumber, fakeJwt, fakePassword, nonLuhnNumber } from './fake-secrets';
import { CollectingProcessor, setup } from './helpers';

describe(RedactingLogRecordProcessor, () => {
  describe('onEmit', () => {
    it('should replace values under secret-named keys, any type, and keep the rest', () => {
      const { emit, redacting } = setup();
      const password = fakePassword();
      const r = emit({
        body: 'login',
        attributes: {
          password,
          'http.request.header.authorization': [`Bearer ${fakeJwt()}`],
          PIN_secret: 1234,
          api_key: { id: 'k1', value: 'v' },
          'user.id': 'u-42',
          'order.id': nonLuhnNumber(16),
          'gen_ai.usage.input_tokens': 812,
          empty_token: '',
        },
      });
      expect(r.attributes).toEqual({
        password: '[REDACTED]',
        'http.request.header.authorization': '[REDACTED]',
        PIN_secret: '[REDACTED]',
        api_key: '[REDACTED]',
        'user.id': 'u-42',
        'order.id': r.attributes['order.id'],
        'gen_ai.usage.input_tokens': 812,
        empty_token: '',
      });
      expect(String(r.attributes['order.id'])).toMatch(/^4\d{15}$/);
      expect(redacting.getStats().applied['secret-keys']).toBe(4);
      expect(redacting.getStats().records).toBe(1);
      expect(redacting.getStats().changedRecords).toBe(1);
    });

    it('should redact nested maps in attributes and in a map body, copying instead of mutating', () => {
      const { emit } = setup();
      const card = fakeCardNumber();
      const jwt = fakeJwt();
      const nested = {
        user: { name: 'ann', credentials: { password: 'x' } },
        list: [`id ${jwt}`, 7],
      };
      const body = {
        msg: `paid with ${card}`,
        req: { headers: { Cookie: 'sid=1', accept: '*/*' } },
      };
      const r = emit({ body, attributes: { nested } });
      expect(r.attributes.nested).toEqual({
        user: { name: 'ann', credentials: '[REDACTED]' },
        list: ['id [REDACTED]', 7],
      });
      expect(r.body).toEqual({
        msg: 'paid with [REDACTED]',
        req: { headers: { Cookie: '[REDACTED]', accept: '*/*' } },
      });
      // The app's objects are as it made them.
      expect(nested.user.credentials.password).toBe('x');
      expect(nested.list[0]).toBe(`id ${jwt}`);
      expect(body.msg).toBe(`paid with ${card}`);
      expect(body.req.headers.Cookie).toBe('sid=1');
    });

    it('should return the same objects when nothing needs redaction', () => {
      const { emit } = setup();
      const body = { a: 1, b: ['x', { c: 'y' }] };
      const attr = { k: 'v' };
      const r = emit({ body, attributes: { attr } });
      expect(r.body).toBe(body);
      // The SDK copies attribute maps on setAttribute; the value it stored is kept as it is.
      expect(r.attributes.attr).toEqual(attr);
    });

    it('should cut long strings and end them with the original length', () => {
      const { emit, redacting } = setup({ maxValueChars: 10 });
      const r = emit({
        body: 'x'.repeat(25),
        attributes: { a: 'y'.repeat(11), b: 'z'.repeat(10) },
      });
      expect(r.body).toBe(`${'x'.repeat(10)}${truncationMarker(25)}`);
      expect(truncationMarker(25)).toBe('…[truncated 25 chars]');
      expect(r.attributes.a).toBe(`${'y'.repeat(10)}…[truncated 11 chars]`);
      expect(r.attributes.b).toBe('z'.repeat(10));
      expect(redacting.getStats().applied.truncate).toBe(2);
    });

    it('should not split a surrogate pair when cutting', () => {
      const { emit } = setup({ maxValueChars: 3 });
      const r = emit({ body: 'ab😀cd' });
      expect(r.body).toBe('ab…[truncated 6 chars]');
    });

    it('should scan only the kept part of a huge string, and still mark the cut', () => {
      const { emit } = setup({ maxValueChars: 100 });
      const jwt = fakeJwt();
      const text = `${jwt} ${'y'.repeat(5 * 2 ** 20)} ${jwt}`;
      const started = performance.now();
      const r = emit({ body: text });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(r.body).toBe(`[REDACTED] ${'y'.repeat(89)}${truncationMarker(text.length)}`);
    });

    it('should redact a secret that crosses the cut before cutting', () => {
      // 21 characters once redacted; the JWT alone is longer.
      const { emit } = setup({ maxValueChars: 21 });
      const jwt = fakeJwt();
      const r = emit({ body: `0123456789 ${jwt}` });
      expect(r.body as string).not.toContain(jwt.slice(0, 9));
      expect(r.body).toBe('0123456789 [REDACTED]');
    });

    it('should drop attributes and map keys matching dropKeys', () => {
      const { emit, redacting } = setup({ dropKeys: ['http.request.body', '*.raw'] });
      const r = emit({
        body: { keep: 1, 'payload.raw': 'x' },
        attributes: { 'http.request.body': '{...}', 'Http.Request.Body': 'y', other: 'z' },
      });
      expect(r.attributes).toEqual({ other: 'z' });
      expect(r.body).toEqual({ keep: 1 });
      expect(redacting.getStats().applied.drop).toBe(3);
    });

    it('should apply user key globs, keepKeys, patterns and custom rules, each counted by name', () => {
      const { emit, redacting } = setup({
        keys: ['*ssn*'],
        keepKeys: ['token_type'],
        patterns: [
          { name: 'order-ref', pattern: /ORD-\d{6}/, replacement: 'ORD-******' },
          {
            name: 'ip',
            pattern: /\b\d{1,3}(?:\.\d{1,3}){3}\b/g,
            replacement: (m) => `${m.split('.')[0]}.x.x.x`,
          },
        ],
        custom: [{ name: 'upper-secret', redact: (v) => v.replace('TOPSECRET', '[hidden]') }],
      });
      const r = emit({
        body: 'ORD-123456 from 10.1.2.3 said TOPSECRET',
        attributes: { 'user.ssn': '078-05-1120', token_type: 'bearer' },
      });
      expect(r.body).toBe('ORD-****** from 10.x.x.x said [hidden]');
      expect(r.attributes).toEqual({ 'user.ssn': '[REDACTED]', token_type: 'bearer' });
      const applied = redacting.getStats().applied;
      expect(applied).toMatchObject({ keys: 1, 'order-ref': 1, ip: 1, 'upper-secret': 1 });
    });

    it('should hash e-mail addresses with a key so equal ones stay joinable', () => {
      const a = setup({ rules: ['email'], emailHashKey: 'k1' });
      const b = setup({ rules: ['email'], emailHashKey: 'k2' });
      const one = a.emit({ body: 'from Ann@Example.com' }).body as string;
      const two = a.emit({ body: 'to ann@example.com' }).body as string;
      const other = b.emit({ body: 'from ann@example.com' }).body as string;
      expect(one).toMatch(/^from \[email:[0-9a-f]{8}\]$/);
      expect(two.slice(3)).toBe(one.slice(5));
      expect(other).not.toBe(one);
      expect(one).not.toContain('example');
    });

    it('should leave emails alone by default and every built-in off with rules: []', () => {
      expect(setup().emit({ body: 'ann@example.com' }).body).toBe('ann@example.com');
      const jwt = fakeJwt();
      const off = setup({ rules: [] }).emit({ body: jwt, attributes: { password: 'p' } });
      expect(off.body).toBe(jwt);
      expect(off.attributes.password).toBe('p');
    });

    it('should let every later processor see the redacted record', () => {
      const later = new CollectingProcessor();
      const { emit, collected } = setup({}, [later]);
      emit({ body: `t ${fakeJwt()}`, attributes: { secret: 's' } });
      expect(later.records[0]).toBe(collected.records[0]);
      expect(later.records[0]!.body).toBe('t [REDACTED]');
      expect(later.records[0]!.attributes.secret).toBe('[REDACTED]');
    });
  });

  describe('enabled', () => {
    it('should answer false, so that a record every other processor refuses is never built', () => {
      let built = 0;
      const refusing: LogRecordProcessor = {
        onEmit: () => {
          built++;
        },
        enabled: () => false,
        forceFlush: async () => {},
        shutdown: async () => {},
      };
      const redacting = new RedactingLogRecordProcessor();
      expect(redacting.enabled()).toBe(false);
      const provider = new LoggerProvider({ processors: [redacting, refusing] });
      const logger = provider.getLogger('t');
      expect(logger.enabled({ severityNumber: 9, context: ROOT_CONTEXT })).toBe(false);
      logger.emit({ severityNumber: 9, body: `x ${fakeJwt()}` });
      expect(built).toBe(0);
      expect(redacting.getStats().records).toBe(0);
    });
  });

  describe('getStats', () => {
    it('should list every rule with 0 before anything happened', () => {
      const p = new RedactingLogRecordProcessor();
      expect(p.getStats()).toEqual({
        records: 0,
        changedRecords: 0,
        errors: 0,
        applied: {
          'secret-keys': 0,
          'private-key': 0,
          bearer: 0,
          jwt: 0,
          'aws-key': 0,
          card: 0,
          truncate: 0,
          drop: 0,
          cyclic: 0,
          depth_limit: 0,
          unreadable: 0,
        },
      });
    });
  });

  describe('metrics', () => {
    it('should export spillway.redaction.applied by rule, never a value', async () => {
      class PullReader extends MetricReader {
        protected override async onForceFlush(): Promise<void> {}
        protected override async onShutdown(): Promise<void> {}
      }
      const reader = new PullReader({
        aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { emit } = setup({ meterProvider });
      const jwt = fakeJwt();
      emit({ body: `${jwt} ${jwt}`, attributes: { password: 'hunter2' } });
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === 'spillway.redaction.applied')!;
      const points = metric.dataPoints.map((d) => ({ ...d.attributes, value: d.value }));
      const component = {
        'otel.component.type': 'spillway.redaction_processor',
        'otel.component.name': expect.stringMatching(/^spillway\.redaction_processor\/\d+$/),
      };
      expect(points).toEqual(
        expect.arrayContaining([
          { ...component, 'spillway.redaction.rule': 'jwt', value: 2 },
          { ...component, 'spillway.redaction.rule': 'secret-keys', value: 1 },
          { ...component, 'spillway.redaction.rule': 'card', value: 0 },
        ]),
      );
      const text = JSON.stringify(resourceMetrics);
      expect(text).not.toContain(jwt);
      expect(text).not.toContain('hunter2');
      await meterProvider.shutdown();
    });
  });

  describe('constructor', () => {
    it('should throw for an unknown rule, a nameless rule or a bad bound', () => {
      expect(() => new RedactingLogRecordProcessor({ rules: ['cards' as never] })).toThrow(/cards/);
      expect(
        () => new RedactingLogRecordProcessor({ patterns: [{ name: '', pattern: /x/ }] }),
      ).toThrow(/name/);
      expect(() => new RedactingLogRecordProcessor({ maxValueChars: -1 })).toThrow(RangeError);
    });
  });
});
