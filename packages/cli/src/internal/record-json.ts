import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { bytesAsBase64, formatHrTime, severityLabel } from '@spillway/record-format';
import { recordTime } from './record-filters';

/**
 * One record as one flat JSON object, for jq: `time` (ISO-8601, nanoseconds; the observed time
 * when the record has none), `severity` (text, else class name) and `severity_number` (null when
 * unset), `body`, `attributes`, `resource` (its attributes), `scope` (`{name, version}`),
 * `trace_id` and `span_id` (null without trace context), `event_name` (null when unset). Every
 * key is always present; bytes are `base64:<data>` strings.
 */
export function formatJson(r: ReadableLogRecord): string {
  const scope = r.instrumentationScope;
  return JSON.stringify(
    {
      time: formatHrTime(recordTime(r)),
      severity: severityLabel(r),
      severity_number: r.severityNumber ?? null,
      body: r.body ?? null,
      attributes: r.attributes,
      resource: r.resource.attributes,
      scope: { name: scope.name, version: scope.version ?? null },
      trace_id: r.spanContext?.traceId ?? null,
      span_id: r.spanContext?.spanId ?? null,
      event_name: r.eventName ?? null,
    },
    bytesAsBase64,
  );
}
