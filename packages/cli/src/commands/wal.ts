import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { WalProblem, WalSlotInspection } from '@spillway/disk-buffer';
import { type Command, Option } from 'commander';
import { ExitCode } from '../internal/exit-codes';
import { KEY_FILE_HELP, type KeyFileOptions, keyReadOptions } from '../internal/inputs';
import {
  RECORD_FORMATS,
  RECORD_FORMATS_HELP,
  type RecordFormat,
  RecordPrinter,
} from '../internal/record-printer';
import { describeWalSlot, walSlotJson } from '../internal/wal-report';

interface WalOptions extends KeyFileOptions {
  json?: boolean;
  verify?: boolean;
  cat?: boolean;
  format: RecordFormat;
}

const EXAMPLES = `
Examples:
  spillway wal /var/lib/spillway/wal            slots, pending records, oldest age, lock owner
  spillway wal /var/lib/spillway/wal --json     the same as one JSON document
  spillway wal /var/lib/spillway/wal --verify   check every frame (checksum and decoding)
  spillway wal /var/lib/spillway/wal --cat      print the records not delivered yet
  spillway wal /var/lib/spillway/wal --key-file /etc/spillway/key   an encrypted WAL

Read-only: the lock is never taken and no file is written, so a running process is not disturbed.
Problems are one stderr line each, naming the file and byte offset. An encrypted frame read
without its key is an "undecryptable" problem (its records still count as pending).
Exit codes: 0 done, nothing damaged; 1 unreadable directory, or --verify found a problem; 2 bad usage; 3 done but damaged frames were found (named on stderr); 4 no WAL file at the path.
`;

/** `spillway wal <dir>`: inspect a disk-buffer WAL directory without disturbing its owner. */
export function register(program: Command): void {
  program
    .command('wal')
    .description(
      'inspect a write-ahead log directory (<SPILLWAY_DIR>/wal): per slot its segments, pending records, oldest record, checkpoint, damage and lock owner; read-only',
    )
    .argument('<dir>', 'the WAL root: slot 0 is the directory itself, slot n is <dir>/<n>/')
    .option('--json', 'print the inspection as one JSON document')
    .option('--verify', 'also decode every frame; exit 1 when any frame is damaged')
    .option('--cat', 'print the pending records instead, in delivery order')
    .option('--key-file <path>', KEY_FILE_HELP)
    .addOption(
      new Option('--format <format>', `with --cat: ${RECORD_FORMATS_HELP}`)
        .choices(RECORD_FORMATS)
        .default('pretty'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (dir: string, opts: WalOptions) => {
      process.exitCode = opts.cat ? await catPending(dir, opts) : await inspect(dir, opts);
    });
}

async function inspect(dir: string, opts: WalOptions): Promise<number> {
  const found = await inspectOrExplain(dir, opts.verify === true, opts);
  if (typeof found === 'number') return found;
  const { slots } = found;
  for (const s of slots) for (const p of s.problems) process.stderr.write(`${describe(p)}\n`);
  const now = Date.now();
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ directory: dir, slots: slots.map((s) => walSlotJson(s, now)) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(slots.map((s) => describeWalSlot(s, now)).join('\n'));
  }
  const damaged = slots.some((s) => s.problems.some((p) => isDamage(p, s)));
  if (!damaged) return ExitCode.OK;
  return opts.verify ? ExitCode.FAILED : ExitCode.PARTIAL;
}

async function catPending(dir: string, opts: WalOptions): Promise<number> {
  const printer = new RecordPrinter(opts.format);
  const code = await printPendingWalRecords(dir, undefined, printer, opts);
  await printer.flush();
  return code;
}

/**
 * Prints the records of the WAL at `dir` not delivered yet (those `keep` accepts), in delivery
 * order, naming damage on stderr; returns the exit code (3 when damaged frames were skipped, 4
 * without WAL files). Read-only. `wal --cat` and `cat <wal dir>` both print through it; `keys`
 * names the key file of an encrypted WAL (`--key-file`, else `SPILLWAY_ENCRYPTION_KEY_FILE`).
 */
export async function printPendingWalRecords(
  dir: string,
  keep: ((r: ReadableLogRecord) => boolean) | undefined,
  printer: RecordPrinter,
  keys: KeyFileOptions = {},
): Promise<number> {
  const found = await inspectOrExplain(dir, false, keys);
  if (typeof found === 'number') return found;
  const { slots, encryption } = found;
  let damaged = false;
  const onProblem = (p: WalProblem) => {
    const slot = slots.find((s) => p.path.startsWith(s.directory));
    damaged ||= slot === undefined || isDamage(p, slot);
    process.stderr.write(`${describe(p)}\n`);
  };
  const { readPendingWalRecords } = await import('@spillway/disk-buffer');
  for await (const batch of readPendingWalRecords(dir, { onProblem, encryption })) {
    await printer.print(keep ? batch.records.filter(keep) : batch.records);
    if (printer.done) return ExitCode.OK;
  }
  return damaged ? ExitCode.PARTIAL : ExitCode.OK;
}

/** Whether `dir` is a WAL root: slot 0's segments, checkpoint or lock are in it. */
export function isWalDirectory(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n.endsWith('.wal') || n === 'checkpoint' || n === 'lock');
  } catch {
    return false;
  }
}

type WalKeys = Awaited<ReturnType<typeof keyReadOptions>>['encryption'];

/**
 * The inspection and the keys it read with (`keys`' key file, loaded once), or the exit code
 * after explaining why there is nothing to inspect (a key file that cannot be read among them).
 */
async function inspectOrExplain(
  dir: string,
  decode: boolean,
  keys: KeyFileOptions,
): Promise<{ slots: WalSlotInspection[]; encryption: WalKeys } | number> {
  // Loaded when the command runs: the other commands never need the disk buffer.
  const { inspectWal } = await import('@spillway/disk-buffer');
  let encryption: WalKeys;
  try {
    ({ encryption } = await keyReadOptions(keys));
  } catch (err) {
    process.stderr.write(`spillway: ${(err as Error).message}\n`);
    return ExitCode.FAILED;
  }
  let slots: WalSlotInspection[];
  try {
    slots = await inspectWal(dir, { decode, encryption });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    process.stderr.write(`spillway: ${dir}: ${why}\n`);
    return ExitCode.FAILED;
  }
  if (slots.length > 0) return { slots, encryption };
  // The usual mistake: SPILLWAY_DIR itself rather than the wal/ folder in it.
  const hint =
    basename(dir) !== 'wal' && existsSync(join(dir, 'wal'))
      ? `; a SPILLWAY_DIR keeps its WAL in ${join(dir, 'wal')}: spillway wal ${join(dir, 'wal')}`
      : '';
  process.stderr.write(`spillway: no WAL file in ${dir} (no slot holds a file)${hint}\n`);
  return ExitCode.NO_FILES;
}

/**
 * Damage, as opposed to a frame the running owner is writing right now: a torn tail in a slot
 * whose owner runs is most likely a write in flight.
 */
function isDamage(p: WalProblem, slot: WalSlotInspection): boolean {
  if (p.kind === 'torn') return slot.lock?.state !== 'running';
  return true;
}

function describe(p: WalProblem): string {
  return `spillway: ${p.kind}: ${p.path} at offset ${p.offset}: ${p.message}`;
}
