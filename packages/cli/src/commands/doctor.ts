import { readFileSync } from 'node:fs';
import type * as SpillwayConfig from '@spillway/config';
import type { InspectWalOptions } from '@spillway/disk-buffer';
import { loadEncryptionKeyFile } from '@spillway/file-exporter';
import type { Command } from 'commander';
import { checkCollector, collectorEndpointOf } from '../internal/collector-endpoint';
import { type Check, MARK } from '../internal/doctor-check';
import { checkDirectory } from '../internal/doctor-directory';
import { ExitCode } from '../internal/exit-codes';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  /** Where lines go. Default: stdout. */
  out?: (line: string) => void;
  /** Try a TCP connection to the OTLP endpoint (a warning when it fails: failover covers an outage). Default true. */
  probeCollector?: boolean;
  /** Create a missing SPILLWAY_DIR and write a probe file in it. Default false: change nothing. */
  create?: boolean;
  /** cgroup mount (tests). */
  cgroupRoot?: string;
}

/**
 * Validates the environment and the spillway directory the way the app would see them (same
 * parser as `createLogRecordProcessorFromEnv`), prints the effective configuration and every
 * check, and returns the exit code: 0 when there is no problem (warnings allowed), 1 otherwise.
 * Changes nothing on disk unless `create`.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<number> {
  // @spillway/config, not @spillway/node: the reader the pipeline uses, without the pipeline (gRPC
  // included). Loaded here, not at the top, so cat, stats and verify do not load it.
  const { parseSamplingPolicyFile, readSpillwayConfig } = await import('@spillway/config');
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const {
    config,
    problems,
    warnings: notes,
    entries,
    file,
  } = readSpillwayConfig(env, {
    cgroupRoot: options.cgroupRoot,
  });
  const endpoint = collectorEndpointOf(env);
  const checks: Check[] = [];

  out(`spillway doctor: service "${config.serviceName}"`);
  out('');
  out('Effective configuration');
  const width = Math.max(...entries.map((e) => e.variable.length));
  for (const e of entries) out(`  ${e.variable.padEnd(width)}  ${e.value}  (${e.source})`);
  out(`  ${'OTLP logs endpoint'.padEnd(width)}  ${endpoint.value}  (${endpoint.source})`);
  out('');

  const origin = file === undefined ? 'environment' : file;
  if (problems.length === 0)
    checks.push({ level: 'ok', text: `${origin}: ${entries.length} variables valid` });
  for (const p of problems) checks.push({ level: 'problem', text: p.message });
  for (const note of notes) checks.push({ level: 'warning', text: note });
  if (config.configFile) checks.push(checkPolicyFile(config.configFile, parseSamplingPolicyFile));
  const keys =
    config.encryptionKeyFile === undefined
      ? undefined
      : await checkKeyFile(config.encryptionKeyFile);
  if (keys) checks.push(...keys.checks);
  checks.push(
    ...(await checkDirectory({
      directory: config.directory,
      minFreeBytes: config.minFreeBytes,
      maxDiskBytes: config.maxDiskBytes,
      create: options.create === true,
      encryption: keys?.encryption,
    })),
  );
  checks.push(await checkCollector(endpoint, options.probeCollector !== false, config.failover));

  out('Checks');
  for (const c of checks) out(`  ${MARK[c.level]} ${c.text}`);
  const failed = checks.filter((c) => c.level === 'problem').length;
  const warned = checks.filter((c) => c.level === 'warning').length;
  const warnings = warned === 0 ? '' : ` (${plural(warned, 'warning')}, marked !)`;
  out('');
  out(
    failed === 0
      ? `No problems found${warnings}.`
      : `${plural(failed, 'problem')} found${warnings}.`,
  );
  return failed === 0 ? ExitCode.OK : ExitCode.FAILED;
}

/** `spillway doctor`: check the environment and the data directory. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the spillway environment variables, the data directory (writable, free space, lock, backlog) and the collector endpoint, and print the effective configuration',
    )
    .option('--no-probe', 'do not try to connect to the OTLP endpoint')
    .option(
      '--create',
      'create SPILLWAY_DIR if it is missing (mode 0700) and write, fsync and remove a probe file in it; without it doctor changes nothing',
    )
    .addHelpText(
      'after',
      "\nExamples:\n  spillway doctor                              the configuration in force, the data directory, WAL slots, the collector\n  SPILLWAY_DIR=/var/lib/spillway OTEL_SERVICE_NAME=shop spillway doctor   with the app's variables\n  spillway doctor --no-probe --create          in an init container: make SPILLWAY_DIR, no network\n\nReads the same environment and OTEL_CONFIG_FILE as @spillway/node (run it with the app's environment).\nMarks: ✓ fine, ✗ problem, ! warning (e.g. collector unreachable: records fail over), · information.\nExit codes: 0 no problem (warnings allowed), 1 a problem found, 2 bad usage.",
    )
    .action(async (opts: { probe: boolean; create?: boolean }) => {
      process.exitCode = await runDoctor({ probeCollector: opts.probe, create: opts.create });
    });
}

function checkPolicyFile(
  path: string,
  parse: typeof SpillwayConfig.parseSamplingPolicyFile,
): Check {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return {
      level: 'problem',
      text: `SPILLWAY_CONFIG_FILE ${path} cannot be read: ${(e as Error).message}`,
    };
  }
  const result = parse(text);
  if ('error' in result)
    return { level: 'problem', text: `SPILLWAY_CONFIG_FILE ${path} is not valid: ${result.error}` };
  return {
    level: 'ok',
    text: `SPILLWAY_CONFIG_FILE ${path}: valid policy (${Object.keys(result).join(', ') || 'empty'})`,
  };
}

/**
 * The key file the app would load, judged as the app judges it: one it cannot read makes it write
 * no WAL and no failover file (a problem); its keys let doctor read the encrypted WAL's payloads.
 */
async function checkKeyFile(
  path: string,
): Promise<{ checks: Check[]; encryption?: InspectWalOptions['encryption'] }> {
  try {
    const loaded = await loadEncryptionKeyFile(path);
    const checks: Check[] = [
      {
        level: 'ok',
        text: `SPILLWAY_ENCRYPTION_KEY_FILE ${path}: ${plural(loaded.keys.length, 'key')}, active key id ${loaded.activeKeyId}`,
      },
    ];
    for (const w of loaded.warnings)
      checks.push({ level: 'warning', text: `SPILLWAY_ENCRYPTION_KEY_FILE: ${w}` });
    return { checks, encryption: { keys: loaded.keys } };
  } catch (e) {
    return {
      checks: [
        {
          level: 'problem',
          text: `SPILLWAY_ENCRYPTION_KEY_FILE: ${(e as Error).message}: the app writes no failover file and keeps no write-ahead log until it is fixed`,
        },
      ],
    };
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
