import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { readFrames } from '@spillway/file-exporter';
import {
  formatHrTime,
  formatValue,
  SEVERITY_CLASSES,
  severityClassOf,
} from '@spillway/record-format';
import { templateOf } from '@spillway/sampling';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BoundedCounts, type CountRow } from '../internal/bounded-counts';
import { EXIT_CODES_HELP, ExitCode } from '../internal/exit-codes';
import { FrameRecords } from '../internal/frame-records';
import { describeProblem, lostData, resolveInputs } from '../internal/inputs';
import { startProgress } from '../internal/progress';
import {
  parseCountArg,
  readOptionsOf,
  recordFilterOptionsOf,
  type SearchArgs,
} from '../internal/read-options';
import { readingCommand } from '../internal/reading-command';
import { recordFilterOf, recordTime } from '../internal/record-filters';

const BREAKDOWNS = ['service', 'hour', 'severity'] as const;
type Breakdown = (typeof BREAKDOWNS)[number];

/** Records per key of a breakdown; `other` counts records past the cap of distinct keys. */
export interface StatsBreakdown {
  rows: CountRow[];
  other: number;
}

/** What `spillway stats --json` prints. */
export interface StatsSummary {
  files: number;
  /** Frames read: every frame, or with time/severity filters those the index says can match. */
  frames: number;
  /** Records (matching the filters, when given). */
  records: number;
  recordsBySeverity: Record<(typeof SEVERITY_CLASSES)[number], number>;
  /** ISO-8601 with nanoseconds; null without records. */
  firstRecordTime: string | null;
  lastRecordTime: string | null;
  /** Raw OTLP/JSON bytes of the frames read. */
  rawBytes: number;
  /** .zst bytes plus index bytes. */
  compressedBytes: number;
  /** compressedBytes / rawBytes. */
  ratio: number;
  problems: number;
  /**
   * With `--by`: records per service (resource `service.name`, `-` when unset), per UTC hour
   * (`2026-01-01T10:00Z`) or per severity class; rows plus `other` add up to `records`.
   */
  by?: Partial<Record<Breakdown, StatsBreakdown>>;
  /**
   * With `--top N`: the N most frequent templates (`templateOf` of @spillway/sampling), each with
   * its count and one example body; `distinct` templates seen, `other` records past the key cap.
   */
  topTemplates?: {
    templates: Array<{ template: string; records: number; example: string }>;
    distinct: number;
    other: number;
  };
}

interface StatsOptions extends SearchArgs {
  by?: Breakdown[];
  top?: number;
  json?: boolean;
  progress: boolean;
}

const EXAMPLES = `
Examples:
  spillway stats ./logs                              counts, time span, bytes, ratio
  spillway stats --by service --by hour ./logs       what is filling the disk, and when
  spillway stats --top 20 --min-severity warn ./logs the 20 most frequent warning shapes
  spillway stats --json --by severity ./logs | jq .by.severity
`;

/** `spillway stats <path>`: sizes, counts, time span and breakdowns of a file or directory. */
export function register(program: Command): void {
  readingCommand<StatsOptions>(program, {
    name: 'stats',
    description:
      'files, frames, records by severity, time span, raw vs compressed bytes and ratio; per service, hour or severity (--by) and the most frequent message templates (--top)',
    helpAfter: `${EXAMPLES}\n${EXIT_CODES_HELP}`,
    run: (path, opts) => stats(path, opts),
  })
    .addOption(
      new Option(
        '--by <key>',
        'records per key: service, hour (UTC) or severity; repeat for several',
      ).argParser(collectBreakdown),
    )
    .addOption(
      new Option(
        '--top <n>',
        'the n most frequent templates, as flood control names them: the event name, else the body with numbers (<n>), hex, ids, UUIDs, IPs, quoted strings and durations masked',
      ).argParser(parseCountArg),
    )
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'never draw a progress bar');
}

function collectBreakdown(v: string, previous: Breakdown[] | undefined): Breakdown[] {
  if (!(BREAKDOWNS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`"${v}" is not a breakdown: use service, hour or severity`);
  return [...new Set([...(previous ?? []), v as Breakdown])];
}

/** The counters one read fills in. */
class Tally {
  readonly summary: StatsSummary;
  private min: readonly [number, number] | undefined;
  private max: readonly [number, number] | undefined;
  private readonly by = new Map<Breakdown, BoundedCounts>();
  private readonly templates: BoundedCounts | undefined;

  constructor(
    files: number,
    private readonly opts: StatsOptions,
  ) {
    this.summary = {
      files,
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
    for (const b of opts.by ?? []) this.by.set(b, new BoundedCounts());
    if (opts.top !== undefined) this.templates = new BoundedCounts();
  }

  count(r: ReadableLogRecord): void {
    const s = this.summary;
    s.records++;
    const severity =
      SEVERITY_CLASSES[severityClassOf(r.severityNumber as number | undefined, r.severityText)];
    s.recordsBySeverity[severity]++;
    const t = recordTime(r);
    if (
      this.min === undefined ||
      t[0] < this.min[0] ||
      (t[0] === this.min[0] && t[1] < this.min[1])
    )
      this.min = t;
    if (
      this.max === undefined ||
      t[0] > this.max[0] ||
      (t[0] === this.max[0] && t[1] > this.max[1])
    )
      this.max = t;
    for (const [b, counts] of this.by) {
      if (b === 'severity') counts.add(severity);
      else if (b === 'hour') counts.add(`${formatHrTime(t).slice(0, 13)}:00Z`);
      else counts.add(String(r.resource.attributes['service.name'] ?? '-'));
    }
    if (this.templates) {
      const body = r.body === undefined || r.body === null ? '' : formatValue(r.body);
      this.templates.add(templateOf(r), body.slice(0, 200).replace(/\n/g, '\\n'));
    }
  }

  finish(): StatsSummary {
    const s = this.summary;
    if (this.min && this.max) {
      s.firstRecordTime = formatHrTime(this.min);
      s.lastRecordTime = formatHrTime(this.max);
    }
    s.ratio = s.rawBytes > 0 ? s.compressedBytes / s.rawBytes : 0;
    if (this.by.size > 0) {
      s.by = {};
      for (const [b, counts] of this.by) {
        const rows =
          b === 'service'
            ? counts.top()
            : counts.sorted(b === 'severity' ? SEVERITY_CLASSES : undefined);
        s.by[b] = { rows: rows.map(({ key, records }) => ({ key, records })), other: counts.other };
      }
    }
    if (this.templates) {
      s.topTemplates = {
        templates: this.templates
          .top(this.opts.top)
          .map(({ key, records, example }) => ({ template: key, records, example })),
        distinct: this.templates.distinct,
        other: this.templates.other,
      };
    }
    return s;
  }
}

async function stats(path: string, opts: StatsOptions): Promise<number> {
  const inputs = await resolveInputs(path, opts);
  const tally = new Tally(inputs.files.length, opts);
  const summary = tally.summary;
  let lost = false;
  const onProblem = (p: Parameters<typeof describeProblem>[0]) => {
    summary.problems++;
    lost ||= lostData(p);
    process.stderr.write(`${describeProblem(p)}\n`);
  };
  const records = new FrameRecords(recordFilterOf(recordFilterOptionsOf(opts)), onProblem);
  const progress = startProgress(inputs.totalBytes, opts.progress);
  let base = 0;
  try {
    for (const file of inputs.files) {
      summary.compressedBytes += file.size + file.indexSize;
      const options = {
        ...readOptionsOf(opts),
        ...inputs.readOptions,
        onProblem,
        onProgress: (_p: string, done: number) => progress.update(base + done, file.path),
      };
      for await (const frame of readFrames(file.path, options)) {
        summary.frames++;
        summary.rawBytes += frame.rawLength;
        for (const batch of records.batches(frame)) for (const r of batch) tally.count(r);
      }
      base += file.size;
    }
  } finally {
    progress.stop();
  }
  const result = tally.finish();
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : table(result));
  return lost ? ExitCode.PARTIAL : ExitCode.OK;
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
  let text = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}\n`).join('');
  for (const [b, breakdown] of Object.entries(s.by ?? {}))
    text += breakdownTable(`records by ${b}`, breakdown, s.records);
  if (s.topTemplates) {
    const t = s.topTemplates;
    const n = Math.max(7, ...t.templates.map((x) => String(x.records).length));
    text += `\ntop templates (${t.distinct} distinct${t.other > 0 ? `, ${t.other} records past the key cap` : ''})\n`;
    text += `  ${'records'.padStart(n)}  template\n`;
    for (const x of t.templates)
      text += `  ${String(x.records).padStart(n)}  ${x.template.replace(/\n/g, '\\n')}\n`;
  }
  return text;
}

function breakdownTable(title: string, b: StatsBreakdown, total: number): string {
  const rows = b.other > 0 ? [...b.rows, { key: '(other keys)', records: b.other }] : b.rows;
  const w = Math.max(...rows.map((r) => r.key.length), 3);
  const n = Math.max(7, ...rows.map((r) => String(r.records).length));
  const share = (x: number) => (total > 0 ? `${((x / total) * 100).toFixed(2)}%` : '-');
  let text = `\n${title}\n  ${'key'.padEnd(w)}  ${'records'.padStart(n)}  share\n`;
  for (const r of rows)
    text += `  ${r.key.padEnd(w)}  ${String(r.records).padStart(n)}  ${share(r.records).padStart(7)}\n`;
  return text;
}
