import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type FollowPosition,
  type FrameTable,
  followPositionOf,
  readFramesBackward,
  readFrameTable,
} from '@spillway/file-exporter';
import { type Command, Option } from 'commander';
import { EXIT_CODES_HELP, ExitCode, FOLLOW_EXIT_HELP } from '../internal/exit-codes';
import { followRecords } from '../internal/follow-records';
import { FrameRecords } from '../internal/frame-records';
import { keyReadOptions, resolveInputs } from '../internal/inputs';
import { ProblemLog } from '../internal/problem-log';
import {
  parseCountArg,
  readOptionsOf,
  recordFilterOptionsOf,
  type SearchArgs,
} from '../internal/read-options';
import { filesToFollow, readingCommand, recordFormatOption } from '../internal/reading-command';
import { recordFilterOf } from '../internal/record-filters';
import { type RecordFormat, RecordPrinter } from '../internal/record-printer';

interface TailOptions extends SearchArgs {
  format: RecordFormat;
  lines: number;
  follow?: boolean;
}

const EXAMPLES = `
Examples:
  spillway tail ./logs                          the 10 newest records, oldest of them first
  spillway tail -n 50 --min-severity error ./logs
  spillway tail -f ./logs                       then follow as files grow and rotate (Ctrl-C ends)
  spillway tail -n 0 -f --grep timeout ./logs   only new records that match
  spillway tail -f --format json ./logs | jq -r .body
`;

/** `spillway tail <path>`: the newest records, then (with -f) those written from then on. */
export function register(program: Command): void {
  readingCommand<TailOptions>(program, {
    name: 'tail',
    description:
      'print the last records of a .zst file or directory (matching the filters), and with -f follow it as files grow, rotate and are deleted',
    helpAfter: `${EXAMPLES}\nWhile following, a frame being written is waited for, never reported; a file that appears is read from its start, a deleted one is dropped.\n${EXIT_CODES_HELP}${FOLLOW_EXIT_HELP}`,
    run: (path, opts) => tail(path, opts),
  })
    .addOption(
      new Option('-n, --lines <n>', 'how many of the newest matching records to print first')
        .argParser(parseCountArg)
        .default(10),
    )
    .option('-f, --follow', 'then print new records as they are written, until Ctrl-C (exit 0)')
    .addOption(recordFormatOption());
}

async function tail(path: string, opts: TailOptions): Promise<number> {
  const keep = recordFilterOf(recordFilterOptionsOf(opts));
  const printer = new RecordPrinter(opts.format);
  const problems = new ProblemLog();
  const keys = await keyReadOptions(opts);
  const files = opts.follow
    ? await filesToFollow(path)
    : (await resolveInputs(path)).files.map((f) => f.path);
  // Each file's table is read once: the last records come from it, following goes on after it.
  const tables: FrameTable[] = [];
  const start = new Map<string, FollowPosition>();
  for (const file of files) {
    try {
      const table = await readFrameTable(file);
      tables.push(table);
      start.set(file, followPositionOf(table));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted by retention
    }
  }
  const newest = await lastRecords(tables, opts, keys, keep, problems, start);
  await printer.print(newest);
  await printer.flush();
  if (opts.follow)
    await followRecords(path, {
      frames: { ...readOptionsOf(opts), ...keys },
      keep,
      start,
      printer,
      problems,
    });
  await printer.flush();
  return problems.lost ? ExitCode.PARTIAL : ExitCode.OK;
}

/** The last `opts.lines` matching records, oldest first, reading frames newest first. */
async function lastRecords(
  tables: FrameTable[],
  opts: TailOptions,
  keys: Awaited<ReturnType<typeof keyReadOptions>>,
  keep: ReturnType<typeof recordFilterOf>,
  problems: ProblemLog,
  start: ReadonlyMap<string, FollowPosition>,
): Promise<ReadableLogRecord[]> {
  const out: ReadableLogRecord[] = [];
  if (opts.lines === 0) return out;
  const records = new FrameRecords(keep, problems.report);
  for (const table of [...tables].reverse()) {
    const frames = readFramesBackward(table.path, {
      ...readOptionsOf(opts),
      ...keys,
      table,
      onProblem: (p) => {
        // A torn frame where following starts is one being written: -f prints it once whole.
        if (opts.follow && p.kind === 'torn' && p.offset === start.get(p.path)?.offset) return;
        problems.report(p);
      },
    });
    try {
      for await (const frame of frames) {
        for (const batch of records.batches(frame, true)) {
          for (const r of batch) {
            out.push(r);
            if (out.length === opts.lines) return out.reverse();
          }
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out.reverse();
}
