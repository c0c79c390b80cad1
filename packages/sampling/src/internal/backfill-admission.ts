import type { SpanContext } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SeverityClass } from '@spillway/record-format';
import type { Clock } from './clock';
import type { PolicyState } from './policy-state';
import { type ProcessorStats, Reason } from './processor-stats';
import type { SamplingDecider } from './sampling-decider';
import type { TraceSilencer } from './trace-silencer';

/**
 * The part of the policy that still applies to a record kept by backfill: the decider stopped at
 * the record's threshold (it was sampled out), so it never ran the trace's silencing. Here
 * INFO-or-lower records past `traceSilenceAfter` are silenced and summarised as any other, the
 * backfilled ones counted among the trace's kept records. With the per-trace byte budget of the
 * keeper, a runaway trace cannot reach the collector through backfill with more than that.
 * Then flood control: the record's template budget (the decider's `admitBackfilled`), so a
 * flooding template is thinned in backfill as it is in live traffic.
 */
export class BackfillAdmission {
  constructor(
    private readonly policy: PolicyState,
    private readonly silencer: TraceSilencer,
    private readonly stats: ProcessorStats,
    private readonly clock: Clock,
    private readonly decider: SamplingDecider,
    // Called when a trace is tracked for silencing (its TTL needs the housekeeping timer).
    private readonly onTrack: () => void,
  ) {}

  /**
   * Whether `record` (class `cls`, in trace `sc`) may be kept; a refusal is counted `silenced` or
   * (by the decider) `rate_limited`.
   */
  admit(record: ReadableLogRecord, cls: number, sc: SpanContext): boolean {
    const p = this.policy;
    if (cls <= SeverityClass.INFO && p.silenceAfter > 0) {
      this.clock.update();
      const entry = this.silencer.touch(sc.traceId);
      entry.spanContext = sc;
      entry.resource = record.resource;
      entry.scope = record.instrumentationScope;
      if (entry.kept >= p.silenceAfter) {
        entry.silenced[cls]!++;
        entry.silencedTotal++;
        this.stats.drop(Reason.SILENCED, cls);
        return false;
      }
      if (!this.decider.admitBackfilled(record, cls, sc)) return false;
      entry.kept++;
      this.onTrack();
      return true;
    }
    return this.decider.admitBackfilled(record, cls, sc);
  }
}
