import type { TemplateKey } from './types';

/** The accepted forms of {@link parseTemplateKeySpec}, for the configuration owner's messages. */
export const TEMPLATE_KEY_SPEC_FORMS = 'body or attr:<attribute key> (e.g. attr:log.template)';

/**
 * Parses the text form of the `templateKey` option, as `SPILLWAY_TEMPLATE_KEY` spells it:
 * `body` (the event name, else the body's masked shape) or `attr:<key>` (that attribute's value;
 * the key is everything after `attr:`, without surrounding whitespace, and must not be empty or
 * contain whitespace). Surrounding whitespace is ignored. Use it where configuration text is read,
 * so the text form is parsed in one place; it never throws and returns undefined for anything
 * else (the caller warns, naming {@link TEMPLATE_KEY_SPEC_FORMS}, and keeps the default).
 */
export function parseTemplateKeySpec(text: string): TemplateKey | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === 'body') return 'body';
  if (!t.startsWith('attr:')) return undefined;
  const key = t.slice(5);
  if (key === '' || /\s/.test(key)) return undefined;
  return { attribute: key };
}
