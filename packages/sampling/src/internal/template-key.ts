import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * Body characters read at most for a record's shape: a longer body is keyed by its first 256
 * characters, so keying costs the same for a 10 MiB body as for a short one.
 */
export const TEMPLATE_SCAN_CHARS = 256;
/** Scope-name and event-name characters read at most. */
const NAME_CHARS = 128;

// Char classes of ASCII codes.
const DIGIT = 1;
const HEX_LETTER = 2;
const LETTER = 4;
const ID_PUNCT = 8; // + / = _ - : may continue a base64-ish id
const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = LETTER;
for (let c = 97; c <= 122; c++) CLASS[c] = LETTER;
for (const c of 'abcdefABCDEF') CLASS[c.charCodeAt(0)] = HEX_LETTER;
for (const c of '+/=_-') CLASS[c.charCodeAt(0)] = ID_PUNCT;

const Mask = { N: 0, HEX: 1, UUID: 2, IP: 3, ID: 4, S: 5 } as const;
const MASK_TEXT = ['<n>', '<hex>', '<uuid>', '<ip>', '<id>', '<s>'];
// Masks are hashed as private-use code points, apart from any character a body holds as text.
const MASK_CODE = 0xe000;
const SEPARATOR = 0xe100;

function cls(c: number): number {
  return c < 128 ? CLASS[c]! : 0;
}
function isAlnum(c: number): boolean {
  return (cls(c) & (DIGIT | HEX_LETTER | LETTER)) !== 0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return (cls(c) & (DIGIT | HEX_LETTER)) !== 0;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** How a record's template is chosen (see `templateKey` in the options). */
export interface TemplateKeyMode {
  /** The attribute whose value is the template; '' = event name, else the body's shape. */
  attribute: string;
}

/**
 * Turns a record into its template key: a 53-bit number hashed in one forward pass over the
 * record's class, scope name and template (its event name, else the masked shape of its body —
 * numbers, hex, base64-ish ids, UUIDs, IPs, quoted strings and durations masked — or, in attribute
 * mode, that attribute's value). No regular expression, no backtracking: every character read is
 * looked at a bounded number of times, at most {@link TEMPLATE_SCAN_CHARS} of the body are read,
 * and nothing is allocated unless {@link text} is asked for (only for a key the table has not
 * seen). Never throws: a body of any type has a shape.
 */
export class TemplateKeyer {
  // The two hash states, in a typed array: an int32 stored in a field may be boxed per store.
  private readonly h = new Int32Array(2);
  private build = false;
  private out = '';

  constructor(private readonly mode: TemplateKeyMode) {}

  /** The key of `record` in class `cls`. */
  key(record: ReadableLogRecord, cls: number): number {
    this.build = false;
    this.h[0] = 0x811c9dc5;
    this.h[1] = 0x9747b28c ^ cls;
    this.feed(SEPARATOR + cls);
    const scope = record.instrumentationScope?.name;
    if (typeof scope === 'string') this.literal(scope, 0, Math.min(scope.length, NAME_CHARS));
    this.feed(SEPARATOR);
    this.template(record);
    return (mix(this.h[0]!) >>> 11) * 2 ** 32 + (mix(this.h[1]! ^ 0x5bd1e995) >>> 0);
  }

  /** The template of `record` as text (what {@link key} hashed after the class and scope). */
  text(record: ReadableLogRecord): string {
    this.build = true;
    this.out = '';
    this.template(record);
    const t = this.out;
    this.out = '';
    this.build = false;
    return t;
  }

  /** The masked shape of a body of any type (`<map>` for an object, '' for none). */
  shapeText(body: unknown): string {
    this.build = true;
    this.out = '';
    this.shape(body);
    const t = this.out;
    this.out = '';
    this.build = false;
    return t;
  }

  private template(record: ReadableLogRecord): void {
    const attr = this.mode.attribute;
    if (attr !== '') {
      const v = record.attributes?.[attr];
      if (typeof v === 'string') {
        this.literal(v, 0, Math.min(v.length, TEMPLATE_SCAN_CHARS));
        return;
      }
      if (typeof v === 'number' || typeof v === 'boolean') {
        this.word(String(v));
        return;
      }
    }
    const name = record.eventName;
    if (typeof name === 'string' && name !== '') {
      this.literal(name, 0, Math.min(name.length, NAME_CHARS));
      return;
    }
    this.shape(record.body);
  }

  private shape(body: unknown): void {
    if (typeof body === 'string') this.scan(body);
    else if (typeof body === 'number' || typeof body === 'bigint') this.mask(Mask.N);
    else if (body === undefined || body === null) this.feed(SEPARATOR + 1);
    else this.word(typeName(body));
  }

  // The shape of a string body: the scanner. Quoted strings run to their closing quote (an
  // unterminated one masks the rest), whitespace runs count as one space.
  private scan(s: string): void {
    let n = Math.min(s.length, TEMPLATE_SCAN_CHARS);
    // Never end the text on half a surrogate pair.
    if (n < s.length && (s.charCodeAt(n - 1) & 0xfc00) === 0xd800) n--;
    let i = 0;
    let lit = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isAlnum(c)) {
        this.literal(s, lit, i);
        i = this.token(s, i, n);
        lit = i;
      } else if (c === 34 || c === 96 || (c === 39 && (i === 0 || !isAlnum(s.charCodeAt(i - 1))))) {
        this.literal(s, lit, i + 1);
        this.mask(Mask.S);
        const close = quoteEnd(s, i + 1, n, c);
        i = close < 0 ? n : close + 1;
        lit = close < 0 ? n : close;
      } else if (isSpace(c)) {
        this.literal(s, lit, i);
        this.word(' ');
        while (i < n && isSpace(s.charCodeAt(i))) i++;
        lit = i;
      } else {
        i++;
      }
    }
    this.literal(s, lit, n);
  }

  // One alphanumeric run starting at i: masked whole (UUID, number or IP, hex, long id) or with
  // its digit runs masked (`12ms` → `<n>ms`, `worker3` → `worker<n>`). Returns where it ends.
  private token(s: string, i: number, n: number): number {
    let j = i;
    let digits = 0;
    let hex = true;
    while (j < n && isAlnum(s.charCodeAt(j))) {
      const c = s.charCodeAt(j);
      if (isDigit(c)) digits++;
      else if (!isHex(c)) hex = false;
      j++;
    }
    const len = j - i;
    if (len === 8 && hex && isUuidTail(s, j, n)) {
      this.mask(Mask.UUID);
      return j + 28;
    }
    if (digits === len) return this.number(s, j, n);
    if (hex && len >= 8 && digits > 0) {
      this.mask(Mask.HEX);
      return j;
    }
    if (len >= 3 && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
      let k = i + 2;
      while (k < j && isHex(s.charCodeAt(k))) k++;
      if (k === j) {
        this.mask(Mask.HEX);
        return j;
      }
    }
    if (len >= 16 && digits > 0) {
      this.mask(Mask.ID);
      while (j < n && cls(s.charCodeAt(j)) !== 0) j++;
      return j;
    }
    let k = i;
    while (k < j) {
      const start = k;
      if (isDigit(s.charCodeAt(k))) {
        while (k < j && isDigit(s.charCodeAt(k))) k++;
        this.mask(Mask.N);
      } else {
        while (k < j && !isDigit(s.charCodeAt(k))) k++;
        this.literal(s, start, k);
      }
    }
    return j;
  }

  // A digit run ending at j, with the `.`/`:`/`,`-separated digit runs after it (a decimal, a
  // time, 1,234, an IPv4 address — four dot-separated groups — with its port).
  private number(s: string, j: number, n: number): number {
    let groups = 1;
    let dotted = true;
    let k = j;
    while (k + 1 < n && isDigit(s.charCodeAt(k + 1))) {
      const sep = s.charCodeAt(k);
      if (sep !== 46 && sep !== 58 && sep !== 44) break;
      if (sep !== 46 && groups !== 4) dotted = false;
      k++;
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      if (sep === 46) groups++;
    }
    this.mask(dotted && groups === 4 ? Mask.IP : Mask.N);
    return k;
  }

  private literal(s: string, start: number, end: number): void {
    if (end <= start) return;
    const h = this.h;
    let h0 = h[0]!;
    let h1 = h[1]!;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      h0 = Math.imul(h0 ^ c, 0x01000193);
      h1 = Math.imul(h1 ^ c, 0x5bd1e995);
    }
    h[0] = h0;
    h[1] = h1;
    if (this.build) this.out += s.slice(start, end);
  }

  private word(w: string): void {
    this.literal(w, 0, w.length);
  }

  private mask(m: number): void {
    this.feed(MASK_CODE + m);
    if (this.build) this.out += MASK_TEXT[m];
  }

  private feed(c: number): void {
    const h = this.h;
    h[0] = Math.imul(h[0]! ^ c, 0x01000193);
    h[1] = Math.imul(h[1]! ^ c, 0x5bd1e995);
  }
}

// `-xxxx-xxxx-xxxx-xxxxxxxxxxxx` at j (the tail of a UUID whose first 8 hex digits end at j).
function isUuidTail(s: string, j: number, n: number): boolean {
  if (j + 28 > n) return false;
  for (let k = 0; k < 28; k++) {
    const c = s.charCodeAt(j + k);
    if (k === 0 || k === 5 || k === 10 || k === 15) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  return j + 28 === n || !isAlnum(s.charCodeAt(j + 28));
}

// The index of the quote closing one opened before `from` (a backslash escapes), or -1.
function quoteEnd(s: string, from: number, n: number, quote: number): number {
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) i++;
    else if (c === quote) return i;
  }
  return -1;
}

// A revoked proxy throws from Array.isArray and instanceof: it is a map like any other object.
function typeName(body: unknown): string {
  if (typeof body === 'boolean') return '<bool>';
  try {
    if (body instanceof Uint8Array) return '<bytes>';
    if (Array.isArray(body)) return '<array>';
  } catch {
    // falls through
  }
  return '<map>';
}

// MurmurHash3's 32-bit finalizer: spreads the FNV state over all bits.
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
