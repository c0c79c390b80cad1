import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SEVERITY_CLASSES } from '@spillway/record-format';
import { summaryRecord } from './summary-record';
import type { TemplateEntry } from './template-table';

/** The event name of thinning summaries, for queries ("which templates were thinned?"). */
export const THINNED_EVENT_NAME = 'spillway.sampling.thinned';

/** Why a thinning summary is written now (`spillway.thinned.reason`). */
export type ThinnedExit = 'interval' | 'evicted' | 'flush';

/**
 * The record that makes a template's thinning visible, as the silencing summary does for a trace
 * (and counted, queued and exported the same way): INFO, in the resource and scope of the
 * template's last record, saying how many of its records were seen and kept since its last
 * summary. Undefined when the template never had a record (cannot happen for a thinned one).
 */
export function thinnedSummaryRecord(
  e: TemplateEntry,
  exit: ThinnedExit,
  nowMillis: number,
): ReadableLogRecord | undefined {
  return summaryRecord(
    {
      resource: e.resource,
      scope: e.scope,
      eventName: THINNED_EVENT_NAME,
      body: `thinned template: ${e.summarySeen} seen, ${e.summaryKept} kept`,
      attributes: {
        'spillway.thinned.template': e.text,
        'spillway.thinned.severity_class': SEVERITY_CLASSES[e.cls]!,
        'spillway.thinned.seen': e.summarySeen,
        'spillway.thinned.kept': e.summaryKept,
        'spillway.thinned.reason': exit,
      },
    },
    nowMillis,
  );
}
