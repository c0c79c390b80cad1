import { type Command, Option } from 'commander';
import { resolveInputs } from './inputs';
import { NoFilesError } from './no-files';
import { addFilterOptions, addSearchOptions, checkWindow, type SearchArgs } from './read-options';
import { RECORD_FORMATS, RECORD_FORMATS_HELP } from './record-printer';

/** How `cat`, `tail` and `stats` are declared; each adds its own options to what this returns. */
export interface ReadingCommandSpec<O extends SearchArgs> {
  name: string;
  description: string;
  /** Text after the options in `--help`: examples, exit codes. */
  helpAfter: string;
  /** The command's work; resolves with its exit code. */
  run: (path: string, opts: O, command: Command) => Promise<number>;
}

/**
 * Declares a command that reads a selection of records from `<path>` (a .zst file or a directory of
 * them): the filter and search options, the `--since`/`--until` check before `run`, and `run`'s
 * result as the exit code. One declaration, so the commands that select records take the same
 * options with the same words and reject the same bad windows.
 */
export function readingCommand<O extends SearchArgs>(
  program: Command,
  spec: ReadingCommandSpec<O>,
): Command {
  const cmd = program
    .command(spec.name)
    .description(spec.description)
    .argument('<path>', 'a .zst file or a directory of them');
  addSearchOptions(addFilterOptions(cmd))
    .addHelpText('after', spec.helpAfter)
    .action(async (path: string, opts: O, command: Command) => {
      checkWindow(command, opts);
      process.exitCode = await spec.run(path, opts, command);
    });
  return cmd;
}

/** `--format <format>` of the commands that print records (`pretty` by default). */
export function recordFormatOption(): Option {
  return new Option('--format <format>', RECORD_FORMATS_HELP)
    .choices(RECORD_FORMATS)
    .default('pretty');
}

/**
 * The files to read at `path` before following it. An empty folder is not an error when following:
 * a collector outage is what starts the first file, so this says so on stderr and returns none.
 */
export async function filesToFollow(path: string): Promise<string[]> {
  try {
    return (await resolveInputs(path)).files.map((f) => f.path);
  } catch (err) {
    if (!(err instanceof NoFilesError)) throw err;
    process.stderr.write(
      `spillway: ${err.message}\nspillway: following ${path}: waiting for files\n`,
    );
    return [];
  }
}
