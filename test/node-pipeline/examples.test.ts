import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogRecords } from '@spillway/file-exporter';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM JavaScript without declarations
import { checkManifests, loadManifests } from '../../examples/kubernetes/check-manifests.mjs';
import { buildPackages, childEnv, documentedEnv, ROOT, start } from './helpers';

// Nothing listens on port 1: the OTLP exporter fails at once, as with no collector running.
const NO_COLLECTOR = 'http://127.0.0.1:1';
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  buildPackages();
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

async function recordsIn(dir: string) {
  const records = [];
  for await (const r of readLogRecords(dir)) records.push(r);
  return records;
}

/** `npm start` (`--workspace examples/<name>`, or the root's) in a fresh SPILLWAY_DIR. */
async function npmStart(workspace: string | undefined, extra: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), `spillway-example-`));
  const args = workspace
    ? ['start', '--silent', '--workspace', `examples/${workspace}`]
    : ['start', '--silent'];
  const c = start(
    'npm',
    args,
    childEnv({ SPILLWAY_DIR: dir, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: NO_COLLECTOR, ...extra }),
  );
  const result = await c.done;
  return { dir, result, stdout: c.stdout(), stderr: c.stderr() };
}

const count = (out: string, label: string) =>
  Number(new RegExp(`${label}\\s+([\\d,]+)`).exec(out)?.[1]?.replaceAll(',', ''));

describe('examples', () => {
  describe('quickstart (root npm start)', () => {
    it('should fail over to local files with no collector and report every record', async () => {
      const { dir, result, stdout, stderr } = await npmStart(undefined, {
        QUICKSTART_SECONDS: '2',
        QUICKSTART_RATE: '4000',
      });
      expect(result, stderr).toEqual({ code: 0, signal: null });
      const emitted = count(stdout, 'total');
      expect(emitted).toBe(8000);
      const kept = Number(/total\s+[\d,]+\s+([\d,]+)/.exec(stdout)?.[1]?.replaceAll(',', ''));
      expect(kept).toBeGreaterThan(0);
      expect(count(stdout, 'to the collector')).toBe(0);
      expect(count(stdout, 'to local files')).toBe(kept);
      // Plain words for a newcomer: what the records are, why they went to files, no zero lines.
      expect(stdout).toMatch(/^spillway quickstart: 2 s of generated records at 4,000\/s$/m);
      expect(stdout).toContain('6 simulated services (HTTP API, checkout, DB pool, queue consumer');
      expect(stdout).toContain('SPILLWAY_CORPUS_DIR=<LogHub sample folder> replays real logs');
      expect(stdout).toMatch(/^ {2}to local files +[\d,]+ {3}\(collector unreachable\)$/m);
      expect(stdout).not.toMatch(/circuit|\(closed\)|\(open\)/);
      expect(stdout).not.toContain('left in the WAL');
      expect(stdout).toMatch(/raw OTLP\/JSON [\d.]+ KiB → on disk [\d.]+ KiB \([\d.]+%\)/);
      expect(stdout).toContain(`npx spillway cat ${join(dir, 'files')}`);
      const records = await recordsIn(join(dir, 'files'));
      expect(records).toHaveLength(kept);
      // Every ERROR and FATAL the app emitted is in the files (the ERROR rate limit is 200/s).
      const errors = Number(/error\s+([\d,]+)/.exec(stdout)?.[1]?.replaceAll(',', ''));
      const fatals = Number(/fatal\s+([\d,]+)/.exec(stdout)?.[1]?.replaceAll(',', ''));
      expect(records.filter((r) => (r.severityNumber ?? 0) >= 21)).toHaveLength(fatals);
      expect(records.filter((r) => (r.severityNumber ?? 0) >= 17).length).toBeGreaterThanOrEqual(
        Math.min(errors, 400) + fatals,
      );
    });
  });

  // The runs below wait mostly on timers, not on the CPU (at shutdown, the SDK's trace and metric
  // exporters retry the absent collector for 7-10 s, up to their timeout): they run side by side.
  // The root `npm start` above runs alone, because it rebuilds the dist/ folders the others load.
  describe.concurrent('quickstart', () => {
    it('should ship to the collector when OTEL_EXPORTER_OTLP_LOGS_ENDPOINT points at one', async ({
      expect,
    }) => {
      receiver.clear();
      const { dir, result, stdout, stderr } = await npmStart('quickstart', {
        QUICKSTART_SECONDS: '1',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
      });
      expect(result, stderr).toEqual({ code: 0, signal: null });
      const kept = Number(/total\s+[\d,]+\s+([\d,]+)/.exec(stdout)?.[1]?.replaceAll(',', ''));
      expect(count(stdout, 'to the collector')).toBe(kept);
      expect(receiver.records).toHaveLength(kept);
      expect(receiver.records[0]?.resource['service.name']).toBe('quickstart');
      expect(stdout).toContain('No local files written this run');
      const files = existsSync(join(dir, 'files')) ? readdirSync(join(dir, 'files')) : [];
      expect(files.filter((f) => f.endsWith('.zst'))).toEqual([]);
    });
  });

  // Run as each README says, with only the knobs it documents (EXAMPLE_REQUESTS, SPILLWAY_DIR):
  // no collector runs here, so the logs exporter and NodeSDK's trace exporter find none.
  describe.concurrent.each([
    ['nodesdk', 'nodesdk-example', /order \d+ not found in the database/],
    ['pino', 'pino-example', /checkout failed/],
    ['winston', 'winston-example', /checkout failed: payment provider returned 502/],
  ])('%s', (name, service, errorBody) => {
    it('should run as its README says with no collector, exit 0 and leave its ERROR records in local files', async ({
      expect,
    }) => {
      const dir = mkdtempSync(join(tmpdir(), `spillway-example-`));
      const c = start(
        'npm',
        ['start', '--silent', '--workspace', `examples/${name}`],
        documentedEnv({ SPILLWAY_DIR: dir, EXAMPLE_REQUESTS: '300' }),
      );
      expect(await c.done, c.stderr()).toEqual({ code: 0, signal: null });
      expect(c.stderr()).not.toMatch(/Unhandled|triggerUncaughtException/);
      const files = readdirSync(join(dir, 'files')).filter((f) => f.endsWith('.zst'));
      expect(files.length).toBeGreaterThan(0);
      expect(files[0]).toMatch(new RegExp(`^${service}-\\d{8}-\\d{6}`));
      const records = await recordsIn(join(dir, 'files'));
      const errors = records.filter((r) => (r.severityNumber ?? 0) >= 17);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((r) => errorBody.test(String(r.body)))).toBe(true);
      expect(records[0]?.resource.attributes['service.name']).toBe(service);
      if (name === 'nodesdk') {
        expect(c.stdout()).toContain(`  to local files: ${records.length} records\n`);
        expect(c.stdout()).toContain(`npx spillway cat ${join(dir, 'files')}`);
      }
    }, 120_000);
  });

  describe.concurrent('kubernetes', () => {
    it('should pass its manifest check (npm start)', async ({ expect }) => {
      const c = start(
        'npm',
        ['start', '--silent', '--workspace', 'examples/kubernetes'],
        documentedEnv({}),
      );
      expect(await c.done, c.stderr()).toEqual({ code: 0, signal: null });
      expect(c.stdout()).toMatch(/✓ \d+ manifests in .* check out/);
    });

    const mutations: [string, (docs: Doc[]) => void, RegExp][] = [
      [
        'an unknown variable',
        (d: Doc) => env(d).push({ name: 'SPILLWAY_FSYNCC', value: 'always' }),
        /SPILLWAY_FSYNCC: not a variable/,
      ],
      [
        'a bad value',
        (d: Doc) => (envVar(d, 'SPILLWAY_FSYNC').value = 'sometimes'),
        /SPILLWAY_FSYNC="sometimes" is not valid/,
      ],
      ['no preStop', (d: Doc) => delete app(d).lifecycle, /no preStop hook/],
      [
        'a short grace period',
        (d: Doc) => (pod(d).terminationGracePeriodSeconds = 8),
        /terminationGracePeriodSeconds 8/,
      ],
      [
        'an emptyDir smaller than the disk cap',
        (d: Doc) => (vol(d, 'spillway').emptyDir.sizeLimit = '512Mi'),
        /sizeLimit 512Mi must exceed/,
      ],
      [
        'SPILLWAY_DIR not on the emptyDir',
        (d: Doc) => (envVar(d, 'SPILLWAY_DIR').value = '/tmp/x'),
        /not the mountPath of an emptyDir/,
      ],
      ['no memory limit', (d: Doc) => delete app(d).resources.limits.memory, /no memory limit/],
      [
        'a bad policy file',
        (d: Doc) => (cm(d, 'spillway-policy').data['policy.json'] = '{"ratios":{"info":3}}'),
        /policy.json: ratios.info: 3 out of range/,
      ],
      [
        'the collector on another port',
        (d) =>
          (envVar(d, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT').value =
            'http://otel-collector.observability.svc.cluster.local:5317'),
        /does not listen on the app's port 5317/,
      ],
    ];
    it.for(mutations)('should catch %s', ([, mutate, problem], { expect }) => {
      const { docs, problems } = loadManifests(join(ROOT, 'examples', 'kubernetes'));
      expect(problems).toEqual([]);
      expect(checkManifests(docs)).toEqual([]);
      mutate(docs);
      expect(checkManifests(docs).join('\n')).toMatch(problem);
    });
  });
});

// Accessors into the parsed manifests for the mutations above.
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by the shape the manifests have
type Doc = any;
const pod = (docs: Doc[]) =>
  docs.find((d: Doc) => d.kind === 'Deployment' && d.metadata.name === 'checkout').spec.template
    .spec;
const app = (docs: Doc[]) => pod(docs).containers[0];
const env = (docs: Doc[]): { name: string; value: string }[] => app(docs).env;
const envVar = (docs: Doc[], name: string) => env(docs).find((e) => e.name === name)!;
const vol = (docs: Doc[], name: string) =>
  pod(docs).volumes.find((v: { name: string }) => v.name === name);
const cm = (docs: Doc[], name: string) =>
  docs.find((d: Doc) => d.kind === 'ConfigMap' && d.metadata.name === name);
