import {
  rebuildFrameIndex,
  type VerifyReport,
  verifyCompressedFile,
  verifyHashChain,
} from '@spillway/file-exporter';
import type { Command } from 'commander';
import { ExitCode } from '../internal/exit-codes';
import {
  describeProblem,
  type Inputs,
  KEY_FILE_HELP,
  loadKeyFile,
  resolveInputs,
} from '../internal/inputs';
import { startProgress } from '../internal/progress';

interface VerifyOptions {
  fixIndex?: boolean;
  progress: boolean;
  chain?: boolean;
  keyFile?: string;
  chainKeyFile?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  spillway verify ./logs                          every frame, checksum and index entry
  spillway verify --fix-index ./logs              also rewrite indexes that are the only problem
  spillway verify --chain --chain-key-file k ./logs   prove no frame or file was altered, removed or reordered
  spillway verify --json ./logs | jq '.files[] | select(.ok | not)'
`;

/** `spillway verify <path>`: check every frame, checksum and index entry (and the hash chain). */
export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'check that every frame decodes to valid OTLP/JSON and that checksums, frame headers and the index agree',
    )
    .argument('<path>', 'a .zst file or a directory of them')
    .option('--fix-index', 'rewrite the .idx of files whose only problem is their index')
    .option(
      '--chain',
      'also prove with the hash chain that no frame or file was altered, removed or reordered',
    )
    .option('--key-file <path>', KEY_FILE_HELP)
    .option(
      '--chain-key-file <path>',
      'HMAC key of the chain (same form as a key file; its active key); default $SPILLWAY_CHAIN_KEY_FILE',
    )
    .option('--no-progress', 'never draw a progress bar')
    .option('--json', 'print one JSON object (files, their problems, the chain) instead of lines')
    .addHelpText('after', EXAMPLES)
    .addHelpText(
      'after',
      '\nPrints one stderr line per problem (kind, file, offset, details) and per damaged file, and one stdout line per sound file plus a summary; with --chain, the first broken link ("chain broken: <file> frame <k> at offset <n>").\nExit codes: 0 every file sound, 1 a problem found (or unreadable input), 2 bad usage, 4 no .zst file at the path (stderr says what is there).\n',
    )
    .action(async (path: string, opts: VerifyOptions) => {
      process.exitCode = await verify(path, opts);
    });
}

async function verify(path: string, opts: VerifyOptions): Promise<number> {
  const inputs = await resolveInputs(path, opts);
  const chainKey = await chainKeyOf(opts);
  const progress = startProgress(inputs.totalBytes, opts.progress);
  // Held until the progress bar (on stderr) is gone, so that no line lands inside it.
  const lines: Array<{ stream: NodeJS.WriteStream; text: string }> = [];
  const out = (text: string) => lines.push({ stream: process.stdout, text });
  const err = (text: string) => lines.push({ stream: process.stderr, text });
  let failed = 0;
  const json: { files: Array<Record<string, unknown>>; chain?: Record<string, unknown> } = {
    files: [],
  };
  let notes: string[] = [];
  let broken: string | undefined;
  try {
    const checked = await reportsOf(path, inputs, opts, chainKey, (done, file) =>
      progress.update(done, file),
    );
    notes = checked.notes;
    broken = checked.broken;
    for (const report of checked.reports) {
      let problems = report.problems;
      if (opts.fixIndex && problems.length > 0 && problems.every((p) => p.kind === 'index')) {
        await rebuildFrameIndex(report.path, inputs.readOptions);
        out(`fixed ${report.path}: index rebuilt (${report.frames} frames)`);
        problems = [];
      }
      for (const p of problems) err(describeProblem(p));
      json.files.push({
        path: report.path,
        ok: problems.length === 0,
        frames: report.frames,
        records: report.records,
        rawBytes: report.rawBytes,
        fixedIndex: problems.length === 0 && report.problems.length > 0,
        problems: problems.map(({ kind, offset, length, records, message }) => ({
          kind,
          offset,
          length,
          records,
          message,
        })),
      });
      if (problems.length === 0) {
        out(
          `ok ${report.path}: ${report.frames} frames, ${report.records} records, ${report.rawBytes} raw bytes`,
        );
      } else {
        failed++;
        err(`FAILED ${report.path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
      }
    }
  } finally {
    progress.stop();
  }
  if (opts.json) {
    if (opts.chain) json.chain = { ok: broken === undefined, broken: broken ?? null, notes };
    const ok = failed === 0;
    for (const l of lines) if (l.stream === process.stderr) l.stream.write(`${l.text}\n`);
    if (broken) process.stderr.write(`${broken}\n`);
    process.stdout.write(`${JSON.stringify({ ok, ...json }, null, 2)}\n`);
    return ok ? ExitCode.OK : ExitCode.FAILED;
  }
  for (const note of notes) out(note);
  if (broken) err(broken);
  out(
    failed === 0
      ? `${inputs.files.length} file${inputs.files.length === 1 ? '' : 's'} verified, no problem`
      : `${failed} of ${inputs.files.length} files have problems`,
  );
  for (const l of lines) l.stream.write(`${l.text}\n`);
  return failed === 0 ? ExitCode.OK : ExitCode.FAILED;
}

/** One report per file: each verified on its own, or (--chain on a directory) as one chain. */
async function reportsOf(
  path: string,
  inputs: Inputs,
  opts: VerifyOptions,
  chainKey: Buffer | undefined,
  update: (done: number, file: string) => void,
): Promise<{ reports: VerifyReport[]; notes: string[]; broken?: string }> {
  const options = { ...inputs.readOptions, ...(chainKey ? { chainKey } : {}) };
  const isDir = inputs.files.length !== 1 || inputs.files[0]!.path !== path;
  if (opts.chain && isDir) {
    const base = new Map<string, number>();
    let sum = 0;
    for (const f of inputs.files) {
      base.set(f.path, sum);
      sum += f.size;
    }
    const chain = await verifyHashChain(path, {
      ...options,
      onProgress: (file, done) => update((base.get(file) ?? 0) + done, file),
    });
    const notes = chain.retired.map(
      (r) => `chain: ${r.path} follows ${r.follows}, deleted by retention`,
    );
    const b = chain.broken;
    if (b === undefined) return { reports: chain.files, notes };
    const broken = `spillway: chain broken: ${b.path} at offset ${b.offset}: ${b.message}`;
    return { reports: chain.files, notes, broken };
  }
  const reports: VerifyReport[] = [];
  let base = 0;
  for (const file of inputs.files) {
    reports.push(
      await verifyCompressedFile(file.path, {
        ...options,
        chain: opts.chain === true,
        onProgress: (done) => update(base + done, file.path),
      }),
    );
    base += file.size;
  }
  return { reports, notes: [] };
}

/** The HMAC key of the chain: the active key of `--chain-key-file` or `SPILLWAY_CHAIN_KEY_FILE`. */
async function chainKeyOf(opts: VerifyOptions): Promise<Buffer | undefined> {
  const keyFile = opts.chainKeyFile ?? process.env.SPILLWAY_CHAIN_KEY_FILE;
  if (keyFile === undefined || keyFile === '') return undefined;
  const loaded = await loadKeyFile({ keyFile });
  return loaded?.keys.find((k) => k.id === loaded.activeKeyId)?.key;
}
