/*
 * The template key `stats --top` groups records by: the body with its variable parts masked.
 * A stand-in with the interface of the sampling package's template key, which the CLI should use
 * once that package exports it, so that `stats` and sampling name templates alike.
 */

/** Body characters the key is made from: the shape of a message shows in its start. */
const MAX_BODY_CHARS = 4096;
/** Longest key kept (longer keys end with …): a table row, not a body. */
const MAX_KEY_CHARS = 200;
// One pass, longest forms first: UUIDs, 0x numbers and hex runs of 8+ holding a digit and a
// letter (ids, hashes) become <id>; any other run of digits becomes <n>.
const VARIABLE =
  /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b|\d+/g;

/** The masked shape of a body: `user 42 paid 9f86d081884c7d65` → `user <n> paid <id>`. */
export function templateOf(body: string): string {
  const text = body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body;
  const key = text.replace(VARIABLE, (m) => (/^\d+$/.test(m) ? '<n>' : '<id>'));
  return key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS - 1)}…` : key;
}
