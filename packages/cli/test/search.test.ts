import { rmSync } from 'node:fs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { templateOf } from '@spillway/sampling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli,
  MIXED_SERVICES,
  MIXED_RECORDS as mixed,
  RECORDS as records,
  spillway,
  writeFixture,
  writeMixedFixture,
} from './fixture';

// Text search, the json format, --limit/--reverse and the stats breakdowns: the real binary on
// real files, each expected output computed from the generated records. The tests only read the
// fixture: they run side by side (describe.concurrent), their children sharing the cores.
const roots: string[] = [];
let dir = '';
let mixedDir = '';

beforeAll(async () => {
  buildCli();
  const a = await writeFixture();
  const b = await writeMixedFixture();
  roots.push(a.root, b.root);
  dir = a.dir;
  mixedDir = b.dir;
}, 300_000);

afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** `cat --format json` lines, each parsed (a line that is not JSON fails the test). */
async function json(
  args: string[],
): Promise<Array<Record<string, unknown> & { attributes: Record<string, unknown> }>> {
  const r = await spillway(['cat', '--format', 'json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout === ''
    ? []
    : r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
}
const idsOf = (rs: ReadonlyArray<{ attributes: Record<string, unknown> }>) =>
  rs.map((r) => r.attributes['test.id']);
const serviceOf = (r: ReadableLogRecord) => r.resource.attributes['service.name'];
const timeOf = (r: ReadableLogRecord) =>
  `${new Date(r.hrTime[0] * 1000).toISOString().slice(0, 19)}.${String(r.hrTime[1]).padStart(9, '0')}Z`;

describe.concurrent('spillway cat --format json', () => {
  it('should print one flat object per record with every field', async ({ expect }) => {
    const out = await json([dir]);
    expect(out).toHaveLength(records.length);
    out.forEach((o, i) => {
      const r = records[i]!;
      expect(o).toEqual({
        time: timeOf(r),
        severity: r.severityText,
        severity_number: r.severityNumber,
        body: r.body,
        attributes: r.attributes,
        resource: { 'service.name': 'shop' },
        scope: { name: r.instrumentationScope.name, version: r.instrumentationScope.version },
        trace_id: r.spanContext?.traceId ?? null,
        span_id: r.spanContext?.spanId ?? null,
        event_name: null,
      });
    });
  });
});

describe.concurrent('spillway cat search', () => {
  it('should keep records whose body or a string attribute matches --grep, -i ignoring case', async ({
    expect,
  }) => {
    // A word of some body, and the same word upper-cased for -i.
    const word = String(records[123]!.body)
      .split(/[^A-Za-z]+/)
      .find((w) => w.length >= 6)!;
    const re = new RegExp(word);
    const hit = (r: ReadableLogRecord, x: RegExp) =>
      x.test(String(r.body)) ||
      Object.values(r.attributes).some((v) => typeof v === 'string' && x.test(v));
    const expected = records.filter((r) => hit(r, re));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(records.length);
    expect(idsOf(await json(['--grep', word, dir]))).toEqual(idsOf(expected));
    const upper = word.toUpperCase();
    const insensitive = records.filter((r) => hit(r, new RegExp(upper, 'i')));
    expect(idsOf(await json(['--grep', upper, '-i', dir]))).toEqual(idsOf(insensitive));
    expect(await json(['--grep', upper, dir])).toHaveLength(
      records.filter((r) => hit(r, new RegExp(upper))).length,
    );
  });

  it('should keep records with every --attr, and combine with other filters', async ({
    expect,
  }) => {
    const r0 = records[77]!;
    const [key, value] = Object.entries(r0.attributes).find(([k]) => k !== 'test.id')!;
    const expected = records.filter((r) => String(r.attributes[key]) === String(value));
    expect(idsOf(await json(['--attr', `${key}=${value}`, dir]))).toEqual(idsOf(expected));
    const both = expected.filter((r) => (r.severityNumber ?? 0) >= 13);
    expect(idsOf(await json(['--attr', `${key}=${value}`, '--min-severity', 'warn', dir]))).toEqual(
      idsOf(both),
    );
    // A number attribute matches by its text; two --attr must both hold.
    expect(idsOf(await json(['--attr', 'test.id=42', '--attr', `${key}=${value}`, dir]))).toEqual(
      idsOf(expected.filter((r) => r.attributes['test.id'] === 42)),
    );
  });

  it('should keep records of a --service and of a --resource attribute', async ({ expect }) => {
    for (const service of MIXED_SERVICES) {
      const expected = mixed.filter((r) => serviceOf(r) === service);
      expect(expected).toHaveLength(400);
      expect(idsOf(await json(['--service', service, mixedDir]))).toEqual(idsOf(expected));
      expect(idsOf(await json(['--resource', `service.name=${service}`, mixedDir]))).toEqual(
        idsOf(expected),
      );
    }
    expect(await json(['--service', 'nope', mixedDir])).toEqual([]);
  });

  it('should stop after --limit records and print newest first with --reverse', async ({
    expect,
  }) => {
    const all = idsOf(records);
    expect(idsOf(await json(['--limit', '7', dir]))).toEqual(all.slice(0, 7));
    expect(idsOf(await json(['--reverse', dir]))).toEqual([...all].reverse());
    expect(idsOf(await json(['--reverse', '--limit', '7', dir]))).toEqual(
      [...all].reverse().slice(0, 7),
    );
    const errors = records.filter((r) => (r.severityNumber ?? 0) >= 17);
    expect(idsOf(await json(['--reverse', '--min-severity', 'error', dir]))).toEqual(
      idsOf(errors).reverse(),
    );
    expect(
      (await spillway(['cat', '--limit', '3', dir])).stdout.trimEnd().split('\n'),
    ).toHaveLength(3);
    const otlp = (await spillway(['cat', '--format', 'otlp-json', '--limit', '3', dir])).stdout;
    expect(
      JSON.parse(otlp).resourceLogs[0].scopeLogs[0].logRecords.map(
        (lr: { attributes: Array<{ key: string; value: { intValue: string } }> }) =>
          lr.attributes.find((a) => a.key === 'test.id')!.value.intValue,
      ),
    ).toEqual(['0', '1', '2']);
  });

  it('should print the last -n records with tail, oldest of them first', async ({ expect }) => {
    const r = await spillway([
      'tail',
      '-n',
      '4',
      '--format',
      'json',
      '--service',
      'cart',
      mixedDir,
    ]);
    expect(r.code).toBe(0);
    const expected = mixed.filter((x) => serviceOf(x) === 'cart').slice(-4);
    expect(
      idsOf(
        r.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ),
    ).toEqual(idsOf(expected));
    expect((await spillway(['tail', dir])).stdout.trimEnd().split('\n')).toHaveLength(10);
  });

  it('should exit 2 on an invalid regex, key=value or count, naming it on one line', async ({
    expect,
  }) => {
    const bad = await spillway(['cat', '--grep', '(', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/"\(" is not a regular expression/);
    expect(bad.stdout).toBe('');
    expect((await spillway(['cat', '--attr', 'novalue', dir])).stderr).toMatch(
      /"novalue" is not key=value/,
    );
    expect((await spillway(['cat', '--attr', '=x', dir])).code).toBe(2);
    expect((await spillway(['cat', '--limit', '-1', dir])).code).toBe(2);
    expect((await spillway(['stats', '--by', 'planet', dir])).code).toBe(2);
    expect((await spillway(['tail', '-n', 'x', dir])).code).toBe(2);
  });

  it('should document every option with examples in --help', async ({ expect }) => {
    const help = new Map<string, string>();
    for (const cmd of ['cat', 'tail', 'stats']) {
      const r = await spillway([cmd, '--help']);
      expect(r.code).toBe(0);
      for (const opt of ['--grep', '--attr', '--resource', '--service', 'Examples:', 'Exit codes'])
        expect(r.stdout).toContain(opt);
      help.set(cmd, r.stdout);
    }
    expect(help.get('cat')).toContain('--follow');
    expect(help.get('tail')).toContain('--lines');
  });
});

describe.concurrent('spillway stats breakdowns', () => {
  it('should count per service, hour and severity, reconciling with the total', async ({
    expect,
  }) => {
    const r = await spillway([
      'stats',
      '--json',
      '--by',
      'service',
      '--by',
      'hour',
      '--by',
      'severity',
      mixedDir,
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.records).toBe(mixed.length);
    for (const b of ['service', 'hour', 'severity']) {
      const rows = s.by[b].rows as Array<{ key: string; records: number }>;
      expect(rows.reduce((n, x) => n + x.records, 0) + s.by[b].other).toBe(s.records);
    }
    const count = (key: (r: ReadableLogRecord) => string) => {
      const m = new Map<string, number>();
      for (const x of mixed) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
      return m;
    };
    const byService = count((x) => String(serviceOf(x)));
    expect(
      new Map(s.by.service.rows.map((x: { key: string; records: number }) => [x.key, x.records])),
    ).toEqual(byService);
    const byHour = count((x) => `${timeOf(x).slice(0, 13)}:00Z`);
    expect(byHour.size).toBe(2);
    expect(s.by.hour.rows).toEqual([...byHour].sort().map(([key, n]) => ({ key, records: n })));
    expect(
      Object.fromEntries(
        s.by.severity.rows.map((x: { key: string; records: number }) => [x.key, x.records]),
      ),
    ).toEqual(
      Object.fromEntries(Object.entries(s.recordsBySeverity).filter(([, n]) => (n as number) > 0)),
    );
    const table = (await spillway(['stats', '--by', 'service', mixedDir])).stdout;
    for (const [service, n] of byService)
      expect(table).toMatch(
        new RegExp(`^  ${service}\\s+${n}\\s+${((n / mixed.length) * 100).toFixed(2)}%$`, 'm'),
      );
  });

  it('should list the top templates by count, and apply the filters', async ({ expect }) => {
    const r = await spillway(['stats', '--json', '--top', '3', '--service', 'auth', mixedDir]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    const auth = mixed.filter((x) => serviceOf(x) === 'auth');
    expect(s.records).toBe(auth.length);
    const counts = new Map<string, number>();
    for (const x of auth) counts.set(templateOf(x), (counts.get(templateOf(x)) ?? 0) + 1);
    const expected = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([template, records]) => ({ template, records }));
    expect(
      s.topTemplates.templates.map((t: { template: string; records: number }) => ({
        template: t.template,
        records: t.records,
      })),
    ).toEqual(expected);
    expect(s.topTemplates.distinct).toBe(counts.size);
    const all = JSON.parse(
      (await spillway(['stats', '--json', '--top', '100000', mixedDir])).stdout,
    );
    expect(
      all.topTemplates.templates.reduce((n: number, t: { records: number }) => n + t.records, 0),
    ).toBe(mixed.length);
  });
});
