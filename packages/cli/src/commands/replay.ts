import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { type FrameProblem, readLogRecords } from '@spillway/file-exporter';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ExitCode } from '../internal/exit-codes';
import { describeProblem, keyReadOptions, lostData, resolveInputs } from '../internal/inputs';
import { startProgress } from '../internal/progress';
import {
  addFilterOptions,
  checkWindow,
  type FilterArgs,
  readOptionsOf,
} from '../internal/read-options';
import {
  loadReplayCheckpoint,
  type ReplayCheckpoint,
  type ReplayFilter,
  sameFilter,
  saveReplayCheckpoint,
} from '../internal/replay-checkpoint';
import { printReplaySummary, type ReplaySummary } from '../internal/replay-summary';
import { addHeaders, createExporter, PROTOCOLS, replayTargetOf } from '../internal/replay-target';
import { timeOrdered } from '../internal/time-ordered-records';

interface ReplayOptions extends FilterArgs {
  endpoint?: string;
  protocol?: string;
  header: Array<[string, string]>;
  rate?: number;
  batchSize: number;
  checkpoint?: string;
  json?: boolean;
  progress: boolean;
}

const EXAMPLES = `
Examples:
  spillway replay /var/lib/spillway/files --endpoint http://collector:4317
  spillway replay ./files --endpoint https://collector:4318 --protocol http/protobuf --header x-tenant=a
  spillway replay ./files --since -2h --min-severity warn --rate 5000 --checkpoint /tmp/replay.json
  spillway replay ./files --checkpoint /tmp/replay.json     (again: continues where it stopped)

Records go in time order across the files, in batches; each batch is sent once the one before it
was acknowledged. With --checkpoint, a re-run (after a crash, a kill or a rejection) sends only
what was not acknowledged: at most the batch in flight is sent twice.
TLS, compression and timeout come from the exporters' variables: OTEL_EXPORTER_OTLP_CERTIFICATE,
OTEL_EXPORTER_OTLP_CLIENT_KEY, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_COMPRESSION,
OTEL_EXPORTER_OTLP_TIMEOUT (and their _LOGS_ forms); headers from OTEL_EXPORTER_OTLP_HEADERS,
OTEL_EXPORTER_OTLP_LOGS_HEADERS and --header.
Exit codes: 0 every record sent; 1 a batch was rejected or could not be sent (the summary gives the reason; re-run with the same --checkpoint to resume), or unreadable input; 2 bad usage; 3 sent, but damaged frames were skipped (named on stderr); 4 no .zst file at a path.
`;

/** `spillway replay <path...>`: send files to a collector over OTLP. */
export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .description(
      'send the records of .zst files (failover, spill or exporter files) to a collector over OTLP (gRPC or HTTP), in time order',
    )
    .argument('<path...>', '.zst files or directories of them');
  addFilterOptions(cmd)
    .option(
      '--endpoint <url>',
      'collector URL (default: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT, http://localhost:4317)',
    )
    .addOption(
      new Option(
        '--protocol <protocol>',
        'OTLP transport (default: OTEL_EXPORTER_OTLP_LOGS_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL, http/protobuf for a /v1/logs or :4318 URL, else grpc)',
      ).choices(PROTOCOLS),
    )
    .addOption(
      new Option('--header <key=value>', 'request header (repeatable)')
        .argParser(collectHeader)
        .default([]),
    )
    .addOption(
      new Option('--rate <records/s>', 'send at most this many records a second').argParser(
        parseRate,
      ),
    )
    .addOption(
      new Option('--batch-size <records>', 'records per request')
        .argParser(parseBatchSize)
        .default(512),
    )
    .option('--checkpoint <file>', 'resume from and record progress in this file (JSON)')
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'never draw a progress bar')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], opts: ReplayOptions, command: Command) => {
      checkWindow(command, opts);
      const target = await replayTargetOf(opts, process.env);
      if ('problem' in target)
        command.error(`error: ${target.problem}`, { exitCode: 2, code: 'spillway.endpoint' });
      const checkpoint = opts.checkpoint ? await loadReplayCheckpoint(opts.checkpoint) : undefined;
      // A re-run without filters takes the checkpoint's: a relative --since means another time now.
      if (checkpoint && !hasFilter(opts)) adoptFilter(opts, checkpoint.filter);
      const filter = filterOf(opts);
      if (checkpoint && !sameFilter(checkpoint.filter, filter))
        command.error(
          `error: checkpoint ${opts.checkpoint} was written with other filters (${JSON.stringify(checkpoint.filter)}): omit the filters to use its own, or use another checkpoint file`,
          { exitCode: 2, code: 'spillway.checkpointFilter' },
        );
      addHeaders(process.env, opts.header);
      const exporter = await createExporter(target);
      const summary: ReplaySummary = {
        endpoint: target.url,
        protocol: target.protocol,
        files: 0,
        sent: 0,
        alreadySent: 0,
        rejected: { records: 0, reason: null },
        skippedDamage: { problems: 0, records: 0, recordsUnknown: false },
        interrupted: false,
        seconds: 0,
      };
      try {
        await replay(paths, opts, exporter, checkpoint ?? { filter, files: {} }, summary);
      } finally {
        await exporter.shutdown();
      }
      printReplaySummary(summary, opts.json === true);
      process.exitCode =
        summary.rejected.records > 0 || summary.interrupted
          ? ExitCode.FAILED
          : summary.skippedDamage.problems > 0
            ? ExitCode.PARTIAL
            : ExitCode.OK;
    });
}

async function replay(
  paths: string[],
  opts: ReplayOptions,
  exporter: LogRecordExporter,
  checkpoint: ReplayCheckpoint,
  summary: ReplaySummary,
): Promise<void> {
  const files = await filesOf(paths);
  const keys = await keyReadOptions(opts);
  summary.files = files.length;
  const progress = startProgress(
    files.reduce((n, f) => n + f.size, 0),
    opts.progress,
  );
  const done = files.map(() => 0);
  const onProblem = (p: FrameProblem) => {
    if (!lostData(p)) return;
    summary.skippedDamage.problems++;
    summary.skippedDamage.records += p.records;
    summary.skippedDamage.recordsUnknown ||= p.recordsUnknown === true;
    process.stderr.write(`${describeProblem(p)}\n`);
  };
  const sources = files.map((f, i) =>
    skipFirst(
      readLogRecords(f.path, {
        ...readOptionsOf(opts),
        ...keys,
        onProblem,
        onProgress: (_p, bytes) => {
          done[i] = bytes;
          progress.update(
            done.reduce((a, b) => a + b, 0),
            f.path,
          );
        },
      }),
      checkpoint.files[f.path] ?? 0,
    ),
  );
  for (const f of files) summary.alreadySent += checkpoint.files[f.path] ?? 0;
  let stop = false;
  const onSigint = () => {
    stop = true;
  };
  process.once('SIGINT', onSigint);
  const started = performance.now();
  try {
    const send = async (batch: ReadableLogRecord[], from: number[]): Promise<boolean> => {
      if (opts.rate !== undefined) {
        const due = started + (summary.sent / opts.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const error = await exportBatch(exporter, batch);
      if (error !== undefined) {
        summary.rejected = { records: batch.length, reason: error };
        return false;
      }
      summary.sent += batch.length;
      progress.records(summary.sent);
      for (const i of from) {
        const path = files[i]!.path;
        checkpoint.files[path] = (checkpoint.files[path] ?? 0) + 1;
      }
      if (opts.checkpoint) await saveReplayCheckpoint(opts.checkpoint, checkpoint);
      return true;
    };
    // One request in flight at a time, the next one sent only once the checkpoint records it, so a
    // crash repeats at most one batch; the next batch is read and decoded meanwhile.
    let inFlight = Promise.resolve(true);
    let batch: ReadableLogRecord[] = [];
    let from: number[] = [];
    for await (const { source, record } of timeOrdered(sources)) {
      batch.push(record);
      from.push(source);
      if (batch.length < opts.batchSize) continue;
      if (!(await inFlight) || stop) {
        batch = [];
        break;
      }
      inFlight = send(batch, from);
      // Awaited at the next batch; until then a failed checkpoint write must not count as unhandled.
      inFlight.catch(() => {});
      batch = [];
      from = [];
    }
    if ((await inFlight) && batch.length > 0 && !stop) await send(batch, from);
    summary.interrupted = stop;
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
    summary.seconds = (performance.now() - started) / 1000;
  }
}

/** The files of every path argument, each once, as absolute paths (the checkpoint's keys). */
async function filesOf(paths: string[]): Promise<Array<{ path: string; size: number }>> {
  const seen = new Map<string, { path: string; size: number }>();
  for (const p of paths) {
    for (const f of (await resolveInputs(p)).files) {
      const path = resolvePath(f.path);
      if (!seen.has(path)) seen.set(path, { path, size: f.size });
    }
  }
  return [...seen.values()];
}

async function* skipFirst<T>(it: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  let skipped = 0;
  for await (const x of it) {
    if (skipped < n) skipped++;
    else yield x;
  }
}

/** The error message of a failed export, undefined on success. */
function exportBatch(
  exporter: LogRecordExporter,
  batch: ReadableLogRecord[],
): Promise<string | undefined> {
  return new Promise((resolve) => {
    exporter.export(batch, (r) =>
      resolve(
        r.code === ExportResultCode.SUCCESS ? undefined : (r.error?.message ?? 'export failed'),
      ),
    );
  });
}

function filterOf(opts: ReplayOptions): ReplayFilter {
  return {
    since: opts.since?.toISOString() ?? null,
    until: opts.until?.toISOString() ?? null,
    minSeverity: opts.minSeverity ?? null,
    traceId: opts.traceId ?? null,
  };
}

function hasFilter(opts: ReplayOptions): boolean {
  return (
    opts.since !== undefined ||
    opts.until !== undefined ||
    opts.minSeverity !== undefined ||
    opts.traceId !== undefined
  );
}

function adoptFilter(opts: ReplayOptions, f: ReplayFilter): void {
  if (f.since !== null) opts.since = new Date(f.since);
  if (f.until !== null) opts.until = new Date(f.until);
  if (f.minSeverity !== null) opts.minSeverity = f.minSeverity;
  if (f.traceId !== null) opts.traceId = f.traceId;
}

function collectHeader(v: string, previous: Array<[string, string]>): Array<[string, string]> {
  const at = v.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`"${v}" is not key=value`);
  return [...previous, [v.slice(0, at).trim(), v.slice(at + 1).trim()]];
}

function parseRate(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`"${v}" is not a rate: a number of records a second > 0`);
  return n;
}

function parseBatchSize(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > 100_000)
    throw new InvalidArgumentError(`"${v}" is not a batch size: a whole number from 1 to 100000`);
  return n;
}
