import type { Context } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ComponentMetrics } from '@spillway/self-metrics';
import { planRedaction, type RedactionPlan } from './internal/redaction-plan';
import { RedactionCounters } from './internal/redaction-stats';
import { ValueRedactor } from './internal/value-redactor';
import type { RedactingLogRecordProcessorOptions, RedactionStats } from './types';

/**
 * Removes secrets from log records and trims them for storage, in place, before any later
 * processor or exporter sees them. Put it FIRST in the LoggerProvider's processor list (the SDK
 * calls processors in order with the same record object):
 *
 * ```ts
 * new LoggerProvider({ processors: [new RedactingLogRecordProcessor(), sampling] });
 * ```
 *
 * What it does to each record, in this order: attributes (and map keys at any depth) matching
 * `dropKeys` are removed; values under secret-named keys become `[REDACTED]`; every string (the
 * body, string attributes, strings inside arrays and maps) has the value rules applied (built-in
 * patterns, then `patterns`, then `custom`), then is cut to `maxValueChars`. The app's own
 * objects are never modified: a changed map or array is a copy.
 *
 * Guarantees: `onEmit` never throws (a failure inside redaction replaces the whole record's body
 * and attribute values with the replacement — fail closed — and goes to the global error
 * handler); it never does I/O. `enabled()` answers `false` at no cost: this processor wants no
 * record of its own, so the decision stays with the processors after it — a record they refuse
 * is never built, and never redacted. (Answering `true`, or leaving `enabled` out, would make
 * `logger.enabled()` true for every record and defeat their refusals.) Resource and
 * instrumentation-scope attributes, `severityText` and `eventName` are not scanned.
 */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  private readonly plan: RedactionPlan;
  private readonly counters: RedactionCounters;
  private readonly metrics: ComponentMetrics;
  private readonly redactor: ValueRedactor;
  private readonly ancestors: object[] = [];

  /** @throws TypeError / RangeError for an unknown rule name, a nameless rule, a bad bound. */
  constructor(options: RedactingLogRecordProcessorOptions = {}) {
    this.plan = planRedaction(options);
    this.counters = new RedactionCounters(this.plan.names);
    this.redactor = new ValueRedactor(this.plan, this.counters);
    this.metrics = this.counters.registerMetrics(options.meterProvider);
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    const before = this.counters.changes;
    this.counters.records++;
    try {
      this.redactRecord(logRecord);
    } catch (e) {
      this.counters.errors++;
      this.failClosed(logRecord);
      globalErrorHandler(e as Error);
    }
    if (this.counters.changes !== before) this.counters.changedRecords++;
  }

  /** Always `false`, without work: see the class comment. */
  enabled(): boolean {
    return false;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Stops reporting metrics. Idempotent. */
  shutdown(): Promise<void> {
    this.metrics.shutdown();
    return Promise.resolve();
  }

  /** Counts so far: records seen and changed, values changed by rule, errors. */
  getStats(): RedactionStats {
    return this.counters.snapshot();
  }

  private redactRecord(record: ReadWriteLogRecord): void {
    const attributes = record.attributes as Record<string, unknown>;
    const r = this.redactor;
    // Both OTel lines keep attributes as a plain, writable object on the record (`setAttribute`
    // would re-validate every value); overwriting or deleting an existing key is what the SDK's
    // own setAttribute does to it, and no attribute-count limit applies to fewer keys.
    for (const key of Object.keys(attributes)) {
      if (r.drop(key)) {
        delete attributes[key];
        continue;
      }
      const v = attributes[key];
      const next = r.entry(key, v, 1, this.ancestors);
      if (next !== v) attributes[key] = next;
    }
    const body = record.body;
    if (body === undefined || body === null) return;
    const next = r.value(body, undefined, 1, this.ancestors);
    if (next !== body) setBody(record, next);
  }

  // Each part on its own: a record whose attributes cannot be listed still has its body replaced.
  private failClosed(record: ReadWriteLogRecord): void {
    this.ancestors.length = 0;
    try {
      const attributes = record.attributes as Record<string, unknown>;
      for (const key of Object.keys(attributes)) attributes[key] = this.plan.replacement;
    } catch {
      // Attributes that cannot even be listed: the encoders will not read them either.
    }
    try {
      if (record.body !== undefined && record.body !== null) setBody(record, this.plan.replacement);
    } catch {
      // A body that cannot be overwritten: nothing more can be done here.
    }
  }
}

function setBody(record: ReadWriteLogRecord, body: unknown): void {
  if (typeof record.setBody === 'function') record.setBody(body as never);
  else (record as { body: unknown }).body = body;
}
