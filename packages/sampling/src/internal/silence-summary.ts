import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { summaryRecord } from './summary-record';
import type { SilenceExit, TraceEntry } from './trace-silencer';

/** The event name of silencing summaries, for queries ("where did my records go?"). */
export const SILENCED_EVENT_NAME = 'spillway.sampling.silenced';

/**
 * The record that makes a trace's silence visible: INFO, in the trace's context, resource and
 * scope (those of its last record seen), saying how many records of each class were silenced and
 * why the summary is written now. Undefined when the trace never had a record (cannot happen for a
 * trace that silenced one).
 */
export function silenceSummaryRecord(
  e: TraceEntry,
  exit: SilenceExit,
  nowMillis: number,
): ReadableLogRecord | undefined {
  return summaryRecord(
    {
      resource: e.resource,
      scope: e.scope,
      spanContext: e.spanContext,
      eventName: SILENCED_EVENT_NAME,
      body: `silenced ${e.silencedTotal} records`,
      attributes: {
        'spillway.silenced.count': e.silencedTotal,
        'spillway.silenced.trace': e.silenced[0],
        'spillway.silenced.debug': e.silenced[1],
        'spillway.silenced.info': e.silenced[2],
        'spillway.silenced.reason': exit,
      },
    },
    nowMillis,
  );
}
