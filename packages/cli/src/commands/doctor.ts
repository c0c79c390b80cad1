import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseSamplingPolicyFile, readSpillwayConfig } from '@spillway/node';
import type { Command } from 'commander';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  /** Where lines go. Default: stdout. */
  out?: (line: string) => void;
  /** Try a TCP connection to the OTLP endpoint (informational: failover covers an outage). Default true. */
  probeCollector?: boolean;
  /** cgroup mount (tests). */
  cgroupRoot?: string;
}

interface Check {
  ok: boolean | 'info';
  text: string;
}

/**
 * Validates the environment and the spillway directory the way the app would see them (same
 * parser as `createLogRecordProcessorFromEnv`), prints the effective configuration and every
 * check, and returns the exit code: 0 when there is no problem, 1 otherwise.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { config, problems, entries } = readSpillwayConfig(env, { cgroupRoot: options.cgroupRoot });
  const checks: Check[] = [];

  out(`spillway doctor: service "${config.serviceName}"`);
  out('');
  out('Effective configuration');
  const width = Math.max(...entries.map((e) => e.variable.length));
  for (const e of entries) out(`  ${e.variable.padEnd(width)}  ${e.value}  (${e.source})`);
  out(`  ${'OTLP logs endpoint'.padEnd(width)}  ${otlpEndpoint(env)}`);
  out('');

  if (problems.length === 0)
    checks.push({ ok: true, text: `environment: ${entries.length} variables valid` });
  for (const p of problems) checks.push({ ok: false, text: p.message });
  if (config.configFile) checks.push(checkPolicyFile(config.configFile));
  checks.push(...checkDirectory(config.directory, config.minFreeBytes, config.maxDiskBytes));
  if (options.probeCollector !== false) checks.push(await probeCollector(otlpEndpoint(env)));

  out('Checks');
  for (const c of checks) out(`  ${c.ok === 'info' ? '·' : c.ok ? '✓' : '✗'} ${c.text}`);
  const failed = checks.filter((c) => c.ok === false).length;
  out('');
  out(failed === 0 ? 'No problems found.' : `${failed} problem${failed === 1 ? '' : 's'} found.`);
  return failed === 0 ? 0 : 1;
}

/** `spillway doctor`: check the environment and the data directory. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the spillway environment variables and data directory (writable, free space, lock, backlog) and print the effective configuration',
    )
    .option('--no-probe', 'do not try to connect to the OTLP endpoint')
    .addHelpText(
      'after',
      "\nReads the same environment as @spillway/node (run it with the app's environment).\nExit codes: 0 no problem, 1 a problem found, 2 bad usage.",
    )
    .action(async (opts: { probe: boolean }) => {
      process.exitCode = await runDoctor({ probeCollector: opts.probe });
    });
}

function checkPolicyFile(path: string): Check {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return {
      ok: false,
      text: `SPILLWAY_CONFIG_FILE ${path} cannot be read: ${(e as Error).message}`,
    };
  }
  const result = parseSamplingPolicyFile(text);
  if ('error' in result)
    return { ok: false, text: `SPILLWAY_CONFIG_FILE ${path} is not valid: ${result.error}` };
  return {
    ok: true,
    text: `SPILLWAY_CONFIG_FILE ${path}: valid policy (${Object.keys(result).join(', ') || 'empty'})`,
  };
}

function checkDirectory(dir: string, minFreeBytes: number, maxDiskBytes: number): Check[] {
  const checks: Check[] = [];
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.doctor-${process.pid}`);
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, 'spillway doctor probe\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(probe, { force: true });
    }
    checks.push({
      ok: true,
      text: `directory ${dir}: writable (probe file written, fsynced, removed)`,
    });
  } catch (e) {
    return [{ ok: false, text: `directory ${dir}: not writable: ${(e as Error).message}` }];
  }
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077)
    checks.push({
      ok: 'info',
      text: `directory mode ${mode.toString(8)}: spillway creates 0700; others can read your logs here`,
    });

  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  checks.push({
    ok: free >= minFreeBytes,
    text: `free space ${size(free)} ${free >= minFreeBytes ? '≥' : '<'} SPILLWAY_MIN_FREE_BYTES ${size(minFreeBytes)}${free >= minFreeBytes ? '' : ': new records would be dropped'}`,
  });

  checks.push(checkLock(join(dir, 'wal', 'lock')));

  const wal = du(join(dir, 'wal'));
  const files = du(join(dir, 'files'));
  const total = wal.bytes + files.bytes;
  checks.push({
    ok: total <= maxDiskBytes,
    text: `backlog: ${size(total)} of SPILLWAY_MAX_DISK_BYTES ${size(maxDiskBytes)} (WAL ${size(wal.bytes)} in ${wal.files} files, fallback ${size(files.bytes)} in ${files.files} files${files.zst > 0 ? `; read them with: spillway cat ${join(dir, 'files')}` : ''})`,
  });
  return checks;
}

function checkLock(path: string): Check {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return { ok: true, text: 'lock: not held' };
  }
  if (!Number.isInteger(pid) || pid <= 0)
    return { ok: 'info', text: `lock ${path}: unreadable; the next start takes it over` };
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    alive = (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return alive
    ? {
        ok: 'info',
        text: `lock: held by running process ${pid} (a second app on this directory would run without a WAL)`,
      }
    : {
        ok: 'info',
        text: `lock: stale (process ${pid} is gone); the next start takes it over and recovers its backlog`,
      };
}

function du(dir: string): { bytes: number; files: number; zst: number } {
  const acc = { bytes: 0, files: 0, zst: 0 };
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return acc;
  }
  for (const n of names) {
    try {
      const st = statSync(join(dir, n));
      if (!st.isFile()) continue;
      acc.bytes += st.size;
      acc.files++;
      if (n.endsWith('.zst')) acc.zst++;
    } catch {
      // Deleted while we looked (a live app delivering): not a problem.
    }
  }
  return acc;
}

/** The logs endpoint the gRPC exporter will use, as its own variables resolve it. */
function otlpEndpoint(env: Record<string, string | undefined>): string {
  return (
    env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim() ||
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ||
    'http://localhost:4317'
  );
}

async function probeCollector(endpoint: string): Promise<Check> {
  let url: URL;
  try {
    url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  } catch {
    return { ok: false, text: `OTLP endpoint "${endpoint}" is not a URL` };
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 4317));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const reachable = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timed out after 1 s');
    });
    socket.once('error', (e) => resolve(e.message));
  });
  return reachable === undefined
    ? { ok: true, text: `collector ${host}:${port}: accepts connections` }
    : {
        ok: 'info',
        text: `collector ${host}:${port}: unreachable (${reachable}); records fail over to local files until it is back`,
      };
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}
