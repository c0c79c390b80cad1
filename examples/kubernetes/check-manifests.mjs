// Checks the manifests in this folder the way CI does: every YAML document parses; the app's env
// names are variables spillway or the OTel SDK read, and spillway accepts every value; the WAL
// directory is an emptyDir mount sized above SPILLWAY_MAX_DISK_BYTES; the policy ConfigMap is a
// valid SPILLWAY_CONFIG_FILE; the grace period covers preStop plus spillway's flush; a memory limit
// is set; the collector receives OTLP/gRPC logs on the port the app sends to.
// Usage: node check-manifests.mjs [dir]   (exit 1 and a list of problems when one fails)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseSamplingPolicyFile,
  readSpillwayConfig,
  SPILLWAY_ENV_VARIABLES,
} from '@spillway/node';
import { parse, parseAllDocuments } from 'yaml';

// OTel SDK variables the example uses beside spillway's own (read by NodeSDK / the OTLP exporter).
const OTEL_SDK_VARIABLES = new Set([
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_HEADERS',
  'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_SDK_DISABLED',
  'OTEL_LOG_LEVEL',
]);

/** Every YAML document under `dir`, parsed; problems for any that do not parse. */
export function loadManifests(dir) {
  const docs = [];
  const problems = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) problems.push(`${file}: ${doc.errors[0].message}`);
      else if (doc.contents !== null) docs.push({ file, ...doc.toJS() });
    }
  }
  return { docs, problems };
}

/** The problems found in the parsed manifests (empty when all is well). */
export function checkManifests(docs) {
  const problems = [];
  const find = (kind, name) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
  const app = docs.find(
    (d) => d.kind === 'Deployment' && JSON.stringify(d).includes('@spillway/node/register'),
  );
  if (!app) return ['no Deployment starts node with --import @spillway/node/register'];
  const pod = app.spec.template.spec;
  const container = pod.containers.find((c) =>
    (c.command ?? []).join(' ').includes('@spillway/node/register'),
  );
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

  for (const name of Object.keys(env)) {
    if (name.startsWith('SPILLWAY_') || name.startsWith('OTEL_')) {
      if (!SPILLWAY_ENV_VARIABLES.includes(name) && !OTEL_SDK_VARIABLES.has(name)) {
        problems.push(`env ${name}: not a variable spillway or the OTel SDK reads`);
      }
    }
  }
  for (const p of readSpillwayConfig(env).problems) problems.push(`env: ${p.message}`);
  const { config } = readSpillwayConfig(env);

  const mountOf = (path) => (container.volumeMounts ?? []).find((m) => m.mountPath === path);
  const volumeOf = (mount) => (pod.volumes ?? []).find((v) => v.name === mount?.name);
  const walVolume = volumeOf(mountOf(env.SPILLWAY_DIR));
  if (!env.SPILLWAY_DIR || !walVolume?.emptyDir) {
    problems.push(`SPILLWAY_DIR (${env.SPILLWAY_DIR}) is not the mountPath of an emptyDir volume`);
  } else if (!(quantity(walVolume.emptyDir.sizeLimit) > config.maxDiskBytes)) {
    problems.push(
      `emptyDir sizeLimit ${walVolume.emptyDir.sizeLimit} must exceed SPILLWAY_MAX_DISK_BYTES (${env.SPILLWAY_MAX_DISK_BYTES}): over it the pod is evicted`,
    );
  }

  if (env.SPILLWAY_CONFIG_FILE) {
    const dir = env.SPILLWAY_CONFIG_FILE.replace(/\/[^/]+$/, '');
    const key = env.SPILLWAY_CONFIG_FILE.slice(dir.length + 1);
    const cm = find('ConfigMap', volumeOf(mountOf(dir))?.configMap?.name);
    const text = cm?.data?.[key];
    if (text === undefined)
      problems.push(
        `SPILLWAY_CONFIG_FILE ${env.SPILLWAY_CONFIG_FILE}: no ConfigMap volume with key ${key} mounted at ${dir}`,
      );
    else {
      const policy = parseSamplingPolicyFile(text);
      if ('error' in policy) problems.push(`ConfigMap ${cm.metadata.name} ${key}: ${policy.error}`);
    }
  }

  const preStop = container.lifecycle?.preStop;
  if (!preStop)
    problems.push('no preStop hook: SIGTERM arrives while the Service still routes here');
  const preStopSeconds = Number(
    preStop?.exec?.command?.[0] === 'sleep' ? preStop.exec.command[1] : 0,
  );
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const needed = preStopSeconds + config.shutdownTimeoutMillis / 1000 + 5;
  if (grace < needed)
    problems.push(
      `terminationGracePeriodSeconds ${grace} < preStop ${preStopSeconds} s + SPILLWAY_SHUTDOWN_TIMEOUT_MS ${config.shutdownTimeoutMillis / 1000} s + 5 s margin`,
    );
  if (!container.resources?.limits?.memory)
    problems.push('no memory limit: the queue byte budget has no cgroup limit to follow');

  const collectorConfig = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['config.yaml']);
  if (!collectorConfig) problems.push('no collector ConfigMap with config.yaml');
  else {
    const cc = parse(collectorConfig.data['config.yaml']);
    const grpc = cc.receivers?.otlp?.protocols?.grpc?.endpoint ?? '';
    const port = new URL(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ?? 'http://localhost:4317').port;
    if (!grpc.endsWith(`:${port}`))
      problems.push(
        `collector otlp grpc endpoint ${grpc} does not listen on the app's port ${port}`,
      );
    if (!cc.service?.pipelines?.logs?.receivers?.includes('otlp'))
      problems.push('collector has no logs pipeline from the otlp receiver');
    const host = new URL(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT).hostname.split('.');
    const svc = docs.find(
      (d) =>
        d.kind === 'Service' &&
        d.metadata.name === host[0] &&
        (d.metadata.namespace ?? 'default') === (host[1] ?? 'default'),
    );
    if (!svc?.spec.ports.some((p) => String(p.port) === port))
      problems.push(`no Service ${host[0]}.${host[1]} exposing port ${port}`);
  }
  return problems;
}

/** Kubernetes quantity (`1Gi`, `768Mi`, `500M`, bytes) → bytes. */
function quantity(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? ''));
  if (!m) return Number.NaN;
  const unit =
    { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] ??
    1;
  return Number(m[1]) * unit;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('.', import.meta.url));
  const { docs, problems } = loadManifests(dir);
  problems.push(...checkManifests(docs));
  for (const p of problems) console.error(`✗ ${p}`);
  console.log(
    problems.length === 0
      ? `✓ ${docs.length} manifests in ${dir} check out`
      : `${problems.length} problem(s)`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}
