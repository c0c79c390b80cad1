import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { TemplateKeyer } from './internal/template-key';
import type { TemplateKey } from './types';

const keyers = new Map<string, TemplateKeyer>();

/**
 * The template of `record` as text, exactly as flood control names it (in thinning summaries and
 * its key table): its event name when set, else the masked shape of its body
 * (`GET /api/orders/8812 200 12ms` → `GET /api/orders/<n> <n> <n>ms`), or, with
 * `{ attribute }`, that attribute's value. For tools that group stored records by template
 * (`spillway stats --top`) and should agree with the sampler. Never throws; reads at most the
 * first 256 characters of a body.
 */
export function templateOf(record: ReadableLogRecord, templateKey: TemplateKey = 'body'): string {
  const attribute = templateKey === 'body' ? '' : templateKey.attribute;
  let keyer = keyers.get(attribute);
  if (keyer === undefined) {
    keyer = new TemplateKeyer({ attribute });
    if (keyers.size < 16) keyers.set(attribute, keyer);
  }
  return keyer.text(record);
}
