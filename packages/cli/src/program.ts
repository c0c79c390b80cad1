import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import * as cat from './commands/cat';
import * as doctor from './commands/doctor';
import * as replay from './commands/replay';
import * as stats from './commands/stats';
import * as tail from './commands/tail';
import * as verify from './commands/verify';
import * as wal from './commands/wal';
import { ExitCode } from './internal/exit-codes';
import { NoFilesError } from './internal/no-files';

/** A command of the `spillway` program: one file under `commands/`. */
export interface CommandModule {
  register(program: Command): void;
}

/** Every command, in `--help` order. Add a command: write `commands/<name>.ts`, add it here. */
export const COMMANDS: ReadonlyArray<CommandModule> = [
  cat,
  tail,
  stats,
  verify,
  replay,
  wal,
  doctor,
];

/** The commander program with `commands` registered; exits are left to {@link main}. */
export function buildProgram(commands: ReadonlyArray<CommandModule> = COMMANDS): Command {
  const program = new Command('spillway')
    .description(
      "read, search, follow, verify and replay spillway's zstd log files (OTLP/JSON lines), inspect its write-ahead log, and check its configuration",
    )
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const c of commands) c.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/** This package's version, from its package.json (one folder up from both src/ and dist/). */
function packageVersion(): string {
  // The CJS build has __dirname; the ESM build has import.meta.url.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * Runs the program on `argv` (as `process.argv`) and returns the exit code: 0 ok, 1 failed,
 * 2 usage, 3 partial, 4 no files (see {@link ExitCode}). Errors are printed to stderr, never thrown.
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with code 0; everything else commander reports is bad usage.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    process.stderr.write(`spillway: ${(err as Error).message}\n`);
    return err instanceof NoFilesError ? err.exitCode : ExitCode.FAILED;
  }
}
