import type { ReadLogRecordsOptions } from '@spillway/file-exporter';
import { parseSeverity } from '@spillway/record-format';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { KEY_FILE_HELP } from './inputs';
import type { KeyValue, RecordFilterOptions } from './record-filters';
import { parseTimeArg } from './time-arg';

/** What {@link addFilterOptions} parses: the filters every reading command takes. */
export interface FilterArgs {
  keyFile?: string;
  since?: Date;
  until?: Date;
  minSeverity?: number;
  traceId?: string;
}

/** What {@link addFilterOptions} and {@link addSearchOptions} parse together. */
export interface SearchArgs extends FilterArgs {
  grep?: string;
  ignoreCase?: boolean;
  attr?: KeyValue[];
  resource?: KeyValue[];
  service?: string;
}

/** The filter options of `cat`, for any command that reads a selection of records. */
export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--key-file <path>', KEY_FILE_HELP)
    .addOption(
      new Option(
        '--since <time>',
        'records at or after this time (ISO-8601 or relative: -1h)',
      ).argParser((v) => parseTimeArg(v)),
    )
    .addOption(
      new Option(
        '--until <time>',
        'records at or before this time (ISO-8601 or relative: -10m)',
      ).argParser((v) => parseTimeArg(v)),
    )
    .addOption(
      new Option(
        '--min-severity <level>',
        'records at or above this level (trace, debug, info, warn, error, fatal or 1–24)',
      ).argParser(parseSeverityArg),
    )
    .addOption(
      new Option('--trace-id <hex>', 'records of this trace (32 hex digits)').argParser(
        parseTraceIdArg,
      ),
    );
}

function parseSeverityArg(v: string): number {
  const n = parseSeverity(v);
  if (n === undefined)
    throw new InvalidArgumentError(
      `"${v}" is not a level: use trace, debug, info, warn, error, fatal or 1–24`,
    );
  return n;
}

function parseTraceIdArg(v: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(v))
    throw new InvalidArgumentError(`"${v}" is not a trace id: 32 hex digits expected`);
  return v.toLowerCase();
}

/** Parsed filter options as the reader API takes them. */
export function readOptionsOf(opts: {
  since?: Date;
  until?: Date;
  minSeverity?: number;
  traceId?: string;
}): ReadLogRecordsOptions {
  const out: ReadLogRecordsOptions = {};
  if (opts.since) out.since = opts.since;
  if (opts.until) out.until = opts.until;
  if (opts.minSeverity !== undefined) out.minSeverity = opts.minSeverity;
  if (opts.traceId) out.traceId = opts.traceId;
  return out;
}

/**
 * Rejects a window no record can be in (`--since` after `--until`) as bad usage: an empty result
 * with exit 0 would look like "no such records" rather than "wrong arguments".
 */
export function checkWindow(cmd: Command, opts: { since?: Date; until?: Date }): void {
  if (opts.since && opts.until && opts.since.getTime() > opts.until.getTime())
    cmd.error(
      `error: --since ${opts.since.toISOString()} is after --until ${opts.until.toISOString()}: no record can match`,
      { exitCode: 2, code: 'spillway.invertedWindow' },
    );
}

/** The text-search options of `cat`, `tail` and `stats`, on top of {@link addFilterOptions}. */
export function addSearchOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--grep <regex>',
        'records whose body or a string attribute value matches (JavaScript regex; the first 64 Ki characters of each value are searched)',
      ).argParser(parseRegexArg),
    )
    .option('-i, --ignore-case', '--grep ignores case')
    .addOption(
      new Option(
        '--attr <key=value>',
        'records with this attribute (string, number or boolean, compared as text); repeat: all must match',
      ).argParser(collectKeyValue),
    )
    .addOption(
      new Option(
        '--resource <key=value>',
        'records whose resource has this attribute; repeat: all must match',
      ).argParser(collectKeyValue),
    )
    .option('--service <name>', 'records of this service (resource attribute service.name)');
}

function parseRegexArg(v: string): string {
  try {
    new RegExp(v);
  } catch (err) {
    throw new InvalidArgumentError(`"${v}" is not a regular expression: ${(err as Error).message}`);
  }
  return v;
}

function collectKeyValue(v: string, previous: KeyValue[] | undefined): KeyValue[] {
  const at = v.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`"${v}" is not key=value`);
  return [...(previous ?? []), { key: v.slice(0, at), value: v.slice(at + 1) }];
}

/** Parsed filter and search options as {@link recordFilterOf} takes them. */
export function recordFilterOptionsOf(opts: {
  since?: Date;
  until?: Date;
  minSeverity?: number;
  traceId?: string;
  grep?: string;
  ignoreCase?: boolean;
  attr?: KeyValue[];
  resource?: KeyValue[];
  service?: string;
}): RecordFilterOptions {
  const out: RecordFilterOptions = {};
  if (opts.since) out.since = opts.since;
  if (opts.until) out.until = opts.until;
  if (opts.minSeverity !== undefined) out.minSeverity = opts.minSeverity;
  if (opts.traceId) out.traceId = opts.traceId;
  // Compiled once, without the g/y flags: test() then keeps no state between values.
  if (opts.grep !== undefined) out.grep = new RegExp(opts.grep, opts.ignoreCase ? 'i' : '');
  if (opts.attr) out.attr = opts.attr;
  if (opts.resource) out.resource = opts.resource;
  if (opts.service !== undefined) out.service = opts.service;
  return out;
}

/** `--limit <n>` and `-n <n>`: a whole number ≥ 0. */
export function parseCountArg(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new InvalidArgumentError(`"${v}" is not a whole number ≥ 0`);
  return Number(v);
}
