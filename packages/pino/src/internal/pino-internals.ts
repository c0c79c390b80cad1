// The parts of a pino logger the bridge reads. pino exposes them as symbols (`pino.symbols`) for
// integrations; they are looked up on the logger itself, by description, so that the bridge works
// with whichever copy of pino created the logger (an app may hold two), not only with the copy
// this package would resolve.

/** A pino logger as the bridge sees it: symbol-keyed state on a prototype chain. */
export type PinoLike = Record<PropertyKey, unknown> & {
  levels?: { labels?: Record<number, string> };
};

/** The symbols of one pino copy that the bridge uses. */
export interface PinoSymbols {
  write: symbol;
  asJson: symbol;
  chindings: symbol;
  messageKey: symbol;
  errorKey: symbol;
  stringifiers: symbol;
  nestedKey: symbol;
}

const DESCRIPTIONS: Readonly<Record<keyof PinoSymbols, string>> = {
  write: 'pino.write',
  asJson: 'pino.asJson',
  chindings: 'pino.chindings',
  messageKey: 'pino.messageKey',
  errorKey: 'pino.errorKey',
  stringifiers: 'pino.stringifiers',
  nestedKey: 'pino.nestedKey',
};

/** Serializers and formatters are registered symbols, the same in every pino copy. */
export const SERIALIZERS = Symbol.for('pino.serializers');
export const FORMATTERS = Symbol.for('pino.formatters');

/**
 * The symbols of the pino copy that created `logger`, found on its prototype chain; throws a
 * clear error for an object that is not a pino logger (or a pino without them).
 */
export function pinoSymbolsOf(logger: object): PinoSymbols {
  const found = new Map<string, symbol>();
  for (let o: object | null = logger; o !== null; o = Object.getPrototypeOf(o)) {
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (s.description !== undefined && !found.has(s.description)) found.set(s.description, s);
    }
  }
  const out = {} as PinoSymbols;
  const missing: string[] = [];
  for (const [key, description] of Object.entries(DESCRIPTIONS) as [keyof PinoSymbols, string][]) {
    const s = found.get(description);
    if (s === undefined) missing.push(description);
    else out[key] = s;
  }
  if (missing.length > 0) {
    throw new TypeError(
      `withSpillway: not a pino logger (pino 9 or 10): ${missing.join(', ')} not found on it`,
    );
  }
  return out;
}
