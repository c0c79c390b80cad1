import {
  readFramesBackward,
  readLogRecordBatches,
  readLogsDataLines,
} from '@spillway/file-exporter';
import { type Command, Option } from 'commander';
import { EXIT_CODES_HELP, ExitCode, FOLLOW_EXIT_HELP } from '../internal/exit-codes';
import { followRecords } from '../internal/follow-records';
import { FrameRecords } from '../internal/frame-records';
import { type Inputs, keyReadOptions, resolveInputs } from '../internal/inputs';
import { ProblemLog } from '../internal/problem-log';
import { startProgress } from '../internal/progress';
import {
  parseCountArg,
  readOptionsOf,
  recordFilterOptionsOf,
  type SearchArgs,
} from '../internal/read-options';
import { filesToFollow, readingCommand, recordFormatOption } from '../internal/reading-command';
import { needsRecordSearch, recordFilterOf } from '../internal/record-filters';
import { type RecordFormat, RecordPrinter } from '../internal/record-printer';
import { isWalDirectory, printPendingWalRecords } from './wal';

interface CatOptions extends SearchArgs {
  format: RecordFormat;
  limit?: number;
  reverse?: boolean;
  follow?: boolean;
  progress: boolean;
}

const EXAMPLES = `
Examples:
  spillway cat ./logs                                   every record, oldest first
  spillway cat --since -1h --min-severity error ./logs  last hour, errors and worse
  spillway cat --grep 'timeout|refused' -i --service checkout ./logs
  spillway cat --attr http.status_code=500 --attr http.method=POST ./logs
  spillway cat --reverse --limit 20 ./logs              the 20 newest records, newest first
  spillway cat --format json ./logs | jq -r .body
  spillway cat -f --min-severity warn ./logs            then follow as files grow (Ctrl-C ends)
`;

/** `spillway cat <path>`: print the records of a file or directory. */
export function register(program: Command): void {
  readingCommand<CatOptions>(program, {
    name: 'cat',
    description:
      'print the records of a .zst file or of every .zst file of a directory, oldest first (-f: then follow)',
    helpAfter: `${EXAMPLES}\n${EXIT_CODES_HELP}${FOLLOW_EXIT_HELP}`,
    run: (path, opts, command) => {
      if (opts.follow && opts.reverse)
        command.error('error: --reverse cannot be combined with --follow', {
          exitCode: ExitCode.USAGE,
          code: 'spillway.reverseFollow',
        });
      return cat(path, opts);
    },
  })
    .addOption(recordFormatOption())
    .addOption(new Option('--limit <n>', 'stop after n records').argParser(parseCountArg))
    .option('--reverse', 'newest first (files and frames read backward, one frame in memory)')
    .option(
      '-f, --follow',
      'after the records present, print new ones as they are written, across rotation and deletion, until Ctrl-C',
    )
    .option('--no-progress', 'never draw a progress bar');
}

async function cat(path: string, opts: CatOptions): Promise<number> {
  const filters = recordFilterOptionsOf(opts);
  const printer = new RecordPrinter(opts.format, opts.limit);
  const problems = new ProblemLog();
  const keep = recordFilterOf(filters);
  // A WAL directory: what has not been delivered yet (read-only; the owner is not disturbed).
  if (!opts.follow && !opts.reverse && isWalDirectory(path)) {
    const code = await printPendingWalRecords(path, keep, printer, opts);
    await printer.flush();
    return code;
  }
  if (opts.follow) {
    await filesToFollow(path);
    const frames = { ...readOptionsOf(opts), ...(await keyReadOptions(opts)) };
    await followRecords(path, { frames, keep, printer, problems });
  } else {
    const inputs = await resolveInputs(path, opts);
    const progress = startProgress(inputs.totalBytes, opts.progress);
    try {
      if (opts.reverse) await catBackward(inputs, opts, keep, printer, problems, progress.update);
      else await catForward(inputs, opts, printer, problems, progress.update);
    } finally {
      progress.stop();
    }
  }
  await printer.flush();
  return problems.lost ? ExitCode.PARTIAL : ExitCode.OK;
}

type Update = (doneBytes: number, file: string) => void;

async function catForward(
  inputs: Inputs,
  opts: CatOptions,
  printer: RecordPrinter,
  problems: ProblemLog,
  update: Update,
): Promise<void> {
  const filters = recordFilterOptionsOf(opts);
  // The file reader filters time, severity and trace; the search filters are applied here.
  const search = needsRecordSearch(filters) ? recordFilterOf(filters) : undefined;
  // Lines of frames that match whole are passed through byte for byte.
  const passThrough = opts.format === 'otlp-json' && !search && opts.limit === undefined;
  let base = 0;
  for (const file of inputs.files) {
    const options = {
      ...readOptionsOf(opts),
      ...inputs.readOptions,
      onProblem: problems.report,
      onProgress: (_p: string, done: number) => update(base + done, file.path),
    };
    if (passThrough) {
      for await (const line of readLogsDataLines(file.path, options)) {
        await printer.printLine(line);
        if (printer.done) return;
      }
    } else {
      for await (const batch of readLogRecordBatches(file.path, options)) {
        await printer.print(search ? batch.filter(search) : batch);
        if (printer.done) return;
      }
    }
    base += file.size;
  }
}

async function catBackward(
  inputs: Inputs,
  opts: CatOptions,
  keep: ReturnType<typeof recordFilterOf>,
  printer: RecordPrinter,
  problems: ProblemLog,
  update: Update,
): Promise<void> {
  const records = new FrameRecords(keep, problems.report);
  let base = 0;
  for (const file of [...inputs.files].reverse()) {
    const frames = readFramesBackward(file.path, {
      ...readOptionsOf(opts),
      ...inputs.readOptions,
      onProblem: problems.report,
      onProgress: (_p, done) => update(base + done, file.path),
    });
    try {
      for await (const frame of frames) {
        for (const batch of records.batches(frame, true)) await printer.print(batch);
        if (printer.done) return;
      }
    } catch (err) {
      // Retention of a live exporter may delete a listed file before it is read.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || inputs.files.length === 1) throw err;
    }
    base += file.size;
  }
}
