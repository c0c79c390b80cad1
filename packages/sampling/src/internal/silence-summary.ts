import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SeverityClass, severityNumberOfClass } from '@spillway/record-format';
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
  if (e.resource === undefined || e.scope === undefined) return undefined;
  const hrTime: [number, number] = [Math.floor(nowMillis / 1000), (nowMillis % 1000) * 1e6];
  return {
    hrTime,
    hrTimeObserved: hrTime,
    spanContext: e.spanContext,
    severityNumber: severityNumberOfClass(
      SeverityClass.INFO,
    ) as ReadableLogRecord['severityNumber'],
    severityText: 'INFO',
    body: `silenced ${e.silencedTotal} records`,
    eventName: SILENCED_EVENT_NAME,
    attributes: {
      'spillway.silenced.count': e.silencedTotal,
      'spillway.silenced.trace': e.silenced[0],
      'spillway.silenced.debug': e.silenced[1],
      'spillway.silenced.info': e.silenced[2],
      'spillway.silenced.reason': exit,
    },
    droppedAttributesCount: 0,
    resource: e.resource,
    instrumentationScope: e.scope,
  };
}
