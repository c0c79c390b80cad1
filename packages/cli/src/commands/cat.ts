import { readLogRecordBatches, readLogsDataLines } from '@spillway/file-exporter';
import { type Command, Option } from 'commander';
import { EXIT_CODES_HELP, ExitCode } from '../internal/exit-codes';
import { describeProblem, lostData, resolveInputs } from '../internal/inputs';
import { Output } from '../internal/output';
import { formatPretty } from '../internal/pretty';
import { startProgress } from '../internal/progress';
import { addFilterOptions, checkWindow, readOptionsOf } from '../internal/read-options';

interface CatOptions {
  since?: Date;
  until?: Date;
  minSeverity?: number;
  traceId?: string;
  format: 'pretty' | 'otlp-json';
  progress: boolean;
}

/** `spillway cat <path>`: print the records of a file or directory. */
export function register(program: Command): void {
  const cmd = program
    .command('cat')
    .description(
      'print the records of a .zst file or of every .zst file of a directory, oldest first',
    )
    .argument('<path>', 'a .zst file or a directory of them');
  addFilterOptions(cmd)
    .addOption(
      new Option(
        '--format <format>',
        'pretty: one line per record; otlp-json: OTLP/JSON LogsData lines',
      )
        .choices(['pretty', 'otlp-json'])
        .default('pretty'),
    )
    .option('--no-progress', 'never draw a progress bar')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (path: string, opts: CatOptions, command: Command) => {
      checkWindow(command, opts);
      process.exitCode = await cat(path, opts);
    });
}

async function cat(path: string, opts: CatOptions): Promise<number> {
  const inputs = await resolveInputs(path);
  const out = new Output();
  const progress = startProgress(inputs.totalBytes, opts.progress);
  let lost = false;
  let base = 0;
  try {
    for (const file of inputs.files) {
      const options = {
        ...readOptionsOf(opts),
        onProblem: (p: Parameters<typeof describeProblem>[0]) => {
          lost ||= lostData(p);
          if (lostData(p)) process.stderr.write(`${describeProblem(p)}\n`);
        },
        onProgress: (_p: string, done: number) => progress.update(base + done, file.path),
      };
      if (opts.format === 'otlp-json') {
        for await (const line of readLogsDataLines(file.path, options)) {
          await out.line(line);
          if (out.closed) return ExitCode.OK;
        }
      } else {
        for await (const batch of readLogRecordBatches(file.path, options)) {
          for (const r of batch) await out.line(formatPretty(r));
          if (out.closed) return ExitCode.OK;
        }
      }
      base += file.size;
    }
    await out.flush();
  } finally {
    progress.stop();
  }
  return lost ? ExitCode.PARTIAL : ExitCode.OK;
}
