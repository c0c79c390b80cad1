import { rebuildFrameIndex, verifyCompressedFile } from '@spillway/file-exporter';
import type { Command } from 'commander';
import { ExitCode } from '../internal/exit-codes';
import { describeProblem, resolveInputs } from '../internal/inputs';
import { startProgress } from '../internal/progress';

interface VerifyOptions {
  fixIndex?: boolean;
  progress: boolean;
}

/** `spillway verify <path>`: check every frame, checksum and index entry. */
export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'check that every frame decodes to valid OTLP/JSON and that checksums, frame headers and the index agree',
    )
    .argument('<path>', 'a .zst file or a directory of them')
    .option('--fix-index', 'rewrite the .idx of files whose only problem is their index')
    .option('--no-progress', 'never draw a progress bar')
    .addHelpText(
      'after',
      '\nPrints one stderr line per problem (kind, file, offset, details) and per damaged file, and one stdout line per sound file plus a summary.\nExit codes: 0 every file sound, 1 a problem found (or unreadable input), 2 bad usage, 4 no .zst file at the path (stderr says what is there).\n',
    )
    .action(async (path: string, opts: VerifyOptions) => {
      process.exitCode = await verify(path, opts);
    });
}

async function verify(path: string, opts: VerifyOptions): Promise<number> {
  const inputs = await resolveInputs(path);
  const progress = startProgress(inputs.totalBytes, opts.progress);
  // Held until the progress bar (on stderr) is gone, so that no line lands inside it.
  const lines: Array<{ stream: NodeJS.WriteStream; text: string }> = [];
  const out = (text: string) => lines.push({ stream: process.stdout, text });
  const err = (text: string) => lines.push({ stream: process.stderr, text });
  let failed = 0;
  let base = 0;
  try {
    for (const file of inputs.files) {
      const report = await verifyCompressedFile(file.path, {
        onProgress: (done) => progress.update(base + done, file.path),
      });
      base += file.size;
      let problems = report.problems;
      if (opts.fixIndex && problems.length > 0 && problems.every((p) => p.kind === 'index')) {
        await rebuildFrameIndex(file.path);
        out(`fixed ${file.path}: index rebuilt (${report.frames} frames)`);
        problems = [];
      }
      for (const p of problems) err(describeProblem(p));
      if (problems.length === 0) {
        out(
          `ok ${file.path}: ${report.frames} frames, ${report.records} records, ${report.rawBytes} raw bytes`,
        );
      } else {
        failed++;
        err(`FAILED ${file.path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
      }
    }
  } finally {
    progress.stop();
  }
  out(
    failed === 0
      ? `${inputs.files.length} file${inputs.files.length === 1 ? '' : 's'} verified, no problem`
      : `${failed} of ${inputs.files.length} files have problems`,
  );
  for (const l of lines) l.stream.write(`${l.text}\n`);
  return failed === 0 ? ExitCode.OK : ExitCode.FAILED;
}
