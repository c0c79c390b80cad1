/**
 * Every instrument a spillway stage publishes, with its kind, unit and description: the
 * OpenTelemetry SDK self-observability names where one exists (`otel.sdk.*`), one `spillway.*`
 * family for the rest. A stage picks its instruments from here by name, so a name, unit or
 * description cannot drift between packages.
 */
export const SELF_METRICS = {
  'otel.sdk.processor.log.processed': {
    kind: 'counter',
    unit: '{log_record}',
    description:
      'Log records whose processing finished: passed on (no error.type) or dropped (error.type = reason).',
  },
  'otel.sdk.processor.log.queue.size': {
    kind: 'updown',
    unit: '{log_record}',
    description: 'Log records in the queue.',
  },
  'otel.sdk.processor.log.queue.capacity': {
    kind: 'updown',
    unit: '{log_record}',
    description: 'The most log records the queue holds.',
  },
  'otel.sdk.exporter.log.exported': {
    kind: 'counter',
    unit: '{log_record}',
    description:
      'Log records whose export finished: successfully (no error.type) or not (error.type = cause).',
  },
  'otel.sdk.exporter.log.inflight': {
    kind: 'updown',
    unit: '{log_record}',
    description: 'Log records passed to the exporter whose export has not finished yet.',
  },
  'otel.sdk.exporter.operation.duration': {
    kind: 'histogram',
    unit: 's',
    description: 'Duration of one export() call, to its callback.',
  },
  'spillway.log_record.dropped': {
    kind: 'counter',
    unit: '{log_record}',
    description:
      'Log records this stage lost for good, by error.type (the reason) and spillway.severity_class.',
  },
  'spillway.sampling.offered': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records emitted to the sampling processor.',
  },
  'spillway.sampling.kept': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records that passed the sampling policy.',
  },
  'spillway.sampling.spilled': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records handed to exportSync because the queue was full.',
  },
  'spillway.sampling.summaries': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Summary records emitted (silenced traces, thinned templates).',
  },
  'spillway.sampling.effective_ratio': {
    kind: 'gauge',
    unit: '1',
    description: 'Keep ratio in force per severity class.',
  },
  'spillway.queue.bytes': {
    kind: 'updown',
    unit: 'By',
    description: 'Estimated bytes of the log records in the queue.',
  },
  'spillway.wal.records': {
    kind: 'updown',
    unit: '{log_record}',
    description:
      'Log records accepted and not yet delivered or dropped, by spillway.storage (wal, spill).',
  },
  'spillway.wal.bytes': {
    kind: 'updown',
    unit: 'By',
    description:
      'Bytes of the files holding undelivered records, by spillway.storage (wal, spill).',
  },
  'spillway.wal.delivered': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records from the WAL that the downstream exporter acknowledged.',
  },
  'spillway.wal.retries': {
    kind: 'counter',
    unit: '{attempt}',
    description: 'Failed downstream export attempts that were retried.',
  },
  'spillway.wal.disk.usage': {
    kind: 'updown',
    unit: 'By',
    description: 'Bytes of every file under the buffer directory.',
  },
  'spillway.failover.sent': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records a target acknowledged, by spillway.target.',
  },
  'spillway.failover.failed_batches': {
    kind: 'counter',
    unit: '{batch}',
    description:
      'Batches a target did not take, by spillway.target and error.type (failed, rejected, timeout).',
  },
  'spillway.circuit.state': {
    kind: 'gauge',
    unit: '1',
    description: 'Circuit state per spillway.target: 0 closed, 1 half-open, 2 open.',
  },
  'spillway.circuit.open_time': {
    kind: 'counter',
    unit: 's',
    description: 'Time each spillway.target circuit spent open or half-open.',
  },
  'spillway.replay.backlog.bytes': {
    kind: 'updown',
    unit: 'By',
    description: 'Bytes of fallback files waiting to be replayed.',
  },
  'spillway.replay.backlog.files': {
    kind: 'updown',
    unit: '{file}',
    description: 'Fallback files waiting to be replayed.',
  },
  'spillway.replay.records': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records replayed from fallback files to the primary target.',
  },
  'spillway.file.written': {
    kind: 'counter',
    unit: '{log_record}',
    description: 'Log records written to zstd files.',
  },
  'spillway.file.deleted': {
    kind: 'counter',
    unit: '{log_record}',
    description:
      'Log records in files retention deleted, by error.type (max_age, max_total_bytes, min_free_bytes).',
  },
  'spillway.file.bytes': {
    kind: 'counter',
    unit: 'By',
    description: 'Bytes written, by spillway.encoding: raw OTLP/JSON (json) and on disk (zstd).',
  },
  'spillway.file.frames': { kind: 'counter', unit: '{frame}', description: 'zstd frames written.' },
  'spillway.file.files': { kind: 'counter', unit: '{file}', description: 'Files created.' },
  'spillway.redaction.applied': {
    kind: 'counter',
    unit: '{value}',
    description:
      'Values redacted, truncated or dropped, by spillway.redaction.rule (never the value itself).',
  },
} as const satisfies Record<string, InstrumentSpec>;

/** How one instrument is created. `histogram` is the only synchronous kind. */
export interface InstrumentSpec {
  kind: 'counter' | 'updown' | 'gauge' | 'histogram';
  unit: string;
  description: string;
}

export type SelfMetricName = keyof typeof SELF_METRICS;

/** Names of the instruments read from a stats snapshot at collection time. */
export type ObservableMetricName = {
  [K in SelfMetricName]: (typeof SELF_METRICS)[K]['kind'] extends 'histogram' ? never : K;
}[SelfMetricName];

/** Names of the instruments a stage records into itself (histograms). */
export type RecordedMetricName = Exclude<SelfMetricName, ObservableMetricName>;

/** Attribute names, the same at every stage. */
export const ATTR_COMPONENT_TYPE = 'otel.component.type';
export const ATTR_COMPONENT_NAME = 'otel.component.name';
/** The reason a record was dropped, or the cause of a failed export (OTel's `error.type`). */
export const ATTR_ERROR_TYPE = 'error.type';
/**
 * The record's severity class (`trace` … `fatal`, `unknown` for records lost undecoded). Ours, not
 * semconv: OTel has no severity-class attribute, and `log.*` is a semconv namespace.
 */
export const ATTR_SEVERITY_CLASS = 'spillway.severity_class';
/** A failover target's name (`names` option). */
export const ATTR_TARGET = 'spillway.target';
/** Where undelivered records of the disk buffer are: `wal` or `spill`. */
export const ATTR_STORAGE = 'spillway.storage';
/** Which bytes of a compressed file: `json` (raw OTLP/JSON) or `zstd` (on disk). */
export const ATTR_ENCODING = 'spillway.encoding';
/** A redaction rule's name. */
export const ATTR_REDACTION_RULE = 'spillway.redaction.rule';

/** Our `otel.component.type` values: spillway's own names, never the SDK's. */
export const COMPONENT_TYPES = {
  redaction: 'spillway.redaction_processor',
  sampling: 'spillway.sampling_processor',
  diskBuffer: 'spillway.disk_buffer',
  failover: 'spillway.failover_exporter',
  zstdFile: 'spillway.zstd_file_exporter',
} as const;

export type ComponentType = (typeof COMPONENT_TYPES)[keyof typeof COMPONENT_TYPES];
