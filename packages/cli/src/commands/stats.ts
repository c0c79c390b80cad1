import { readFrames } from '@spillway/file-exporter';
import type { OtlpJsonLogsData } from '@spillway/record-format';
import { SEVERITY_CLASSES, severityClassOf } from '@spillway/record-format';
import type { Command } from 'commander';
import { EXIT_CODES_HELP, ExitCode } from '../internal/exit-codes';
import { describeProblem, lostData, resolveInputs } from '../internal/inputs';
import { formatHrTime } from '../internal/pretty';
import { startProgress } from '../internal/progress';

/** What `spillway stats --json` prints. */
export interface StatsSummary {
  files: number;
  frames: number;
  records: number;
  recordsBySeverity: Record<(typeof SEVERITY_CLASSES)[number], number>;
  /** ISO-8601 with nanoseconds; null without records. */
  firstRecordTime: string | null;
  lastRecordTime: string | null;
  rawBytes: number;
  /** .zst bytes plus index bytes. */
  compressedBytes: number;
  /** compressedBytes / rawBytes. */
  ratio: number;
  problems: number;
}

/** `spillway stats <path>`: sizes, counts and time span of a file or directory. */
export function register(program: Command): void {
  program
    .command('stats')
    .description('files, frames, records by severity, time span, raw vs compressed bytes and ratio')
    .argument('<path>', 'a .zst file or a directory of them')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'never draw a progress bar')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (path: string, opts: { json?: boolean; progress: boolean }) => {
      process.exitCode = await stats(path, opts);
    });
}

function nanosToIso(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  return formatHrTime([Number(s), Number(ns - s * 1_000_000_000n)]);
}

async function stats(path: string, opts: { json?: boolean; progress: boolean }): Promise<number> {
  const inputs = await resolveInputs(path);
  const summary: StatsSummary = {
    files: inputs.files.length,
    frames: 0,
    records: 0,
    recordsBySeverity: { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0 },
    firstRecordTime: null,
    lastRecordTime: null,
    rawBytes: 0,
    compressedBytes: 0,
    ratio: 0,
    problems: 0,
  };
  let min: bigint | undefined;
  let max: bigint | undefined;
  let lost = false;
  const progress = startProgress(inputs.totalBytes, opts.progress);
  let base = 0;
  try {
    for (const file of inputs.files) {
      summary.compressedBytes += file.size + file.indexSize;
      const options = {
        onProblem: (p: Parameters<typeof describeProblem>[0]) => {
          summary.problems++;
          lost ||= lostData(p);
          process.stderr.write(`${describeProblem(p)}\n`);
        },
        onProgress: (_p: string, done: number) => progress.update(base + done, file.path),
      };
      for await (const frame of readFrames(file.path, options)) {
        summary.frames++;
        summary.rawBytes += frame.rawLength;
        if (frame.records > 0) {
          if (min === undefined || frame.minTimeUnixNano < min) min = frame.minTimeUnixNano;
          if (max === undefined || frame.maxTimeUnixNano > max) max = frame.maxTimeUnixNano;
        }
        for (const line of frame.lines) countLine(line, summary);
      }
      base += file.size;
    }
  } finally {
    progress.stop();
  }
  if (min !== undefined && max !== undefined) {
    summary.firstRecordTime = nanosToIso(min);
    summary.lastRecordTime = nanosToIso(max);
  }
  summary.ratio = summary.rawBytes > 0 ? summary.compressedBytes / summary.rawBytes : 0;
  process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : table(summary));
  return lost ? ExitCode.PARTIAL : ExitCode.OK;
}

function countLine(line: string, summary: StatsSummary): void {
  let data: OtlpJsonLogsData;
  try {
    data = JSON.parse(line) as OtlpJsonLogsData;
  } catch {
    return; // readFrames validated the frame's checksum; verify reports the line
  }
  for (const rl of data.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        summary.records++;
        summary.recordsBySeverity[
          SEVERITY_CLASSES[severityClassOf(lr.severityNumber, lr.severityText)]
        ]++;
      }
    }
  }
}

function bytes(n: number): string {
  if (n >= 1073741824) return `${(n / 1073741824).toFixed(2)} GiB`;
  if (n >= 1048576) return `${(n / 1048576).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function table(s: StatsSummary): string {
  const rows: Array<[string, string]> = [
    ['files', String(s.files)],
    ['frames', String(s.frames)],
    ['records', String(s.records)],
    ...SEVERITY_CLASSES.map((c): [string, string] => [`  ${c}`, String(s.recordsBySeverity[c])]),
    ['first record', s.firstRecordTime ?? '-'],
    ['last record', s.lastRecordTime ?? '-'],
    ['raw OTLP/JSON', `${bytes(s.rawBytes)} (${s.rawBytes} bytes)`],
    ['on disk', `${bytes(s.compressedBytes)} (${s.compressedBytes} bytes)`],
    ['ratio', `${(s.ratio * 100).toFixed(2)}%`],
  ];
  if (s.problems > 0) rows.push(['problems', String(s.problems)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}\n`).join('');
}
