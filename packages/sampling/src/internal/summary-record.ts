import type { SpanContext } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SeverityClass, severityNumberOfClass } from '@spillway/record-format';

/** What a summary record says; the rest (INFO, time, no dropped attributes) is the same for all. */
export interface SummaryContent {
  resource: ReadableLogRecord['resource'] | undefined;
  scope: ReadableLogRecord['instrumentationScope'] | undefined;
  spanContext?: SpanContext;
  eventName: string;
  body: string;
  attributes: ReadableLogRecord['attributes'];
}

/**
 * An INFO record written by the processor itself to make what it dropped visible (silencing,
 * template thinning), at `nowMillis`, in the resource and scope of the records it summarises.
 * Undefined without them (no record was ever seen: nothing to summarise).
 */
export function summaryRecord(c: SummaryContent, nowMillis: number): ReadableLogRecord | undefined {
  if (c.resource === undefined || c.scope === undefined) return undefined;
  const hrTime: [number, number] = [Math.floor(nowMillis / 1000), (nowMillis % 1000) * 1e6];
  return {
    hrTime,
    hrTimeObserved: hrTime,
    ...(c.spanContext ? { spanContext: c.spanContext } : {}),
    severityNumber: severityNumberOfClass(
      SeverityClass.INFO,
    ) as ReadableLogRecord['severityNumber'],
    severityText: 'INFO',
    body: c.body,
    eventName: c.eventName,
    attributes: c.attributes,
    droppedAttributesCount: 0,
    resource: c.resource,
    instrumentationScope: c.scope,
  };
}
