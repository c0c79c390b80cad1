import type { SpanContext } from '@opentelemetry/api';

// Hex digit values by char code; -1 for anything else. Parsing by char code keeps the per-record
// path free of substring and BigInt allocations.
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX[c]! : -1;
}

const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';
/** Span contexts remembered (a power of two): about as many traces as interleave in a service. */
const CACHE_SIZE = 8;

/**
 * Reads the 56-bit randomness R of a span context into two numbers, `hi` (top 24 bits) and `lo`
 * (low 32 bits): from the tracestate `ot=rv:<14 hex>` entry when present and valid, else the low 56
 * bits of the trace id. It remembers the last few span contexts it read, by identity: records of a
 * trace share one span context object, and the SDK asks `enabled()` and then calls `onEmit()` with
 * the same one, so most reads are a few pointer comparisons.
 */
export class TraceRandomnessReader {
  /** Top 24 bits of R after a successful {@link read}. */
  hi = 0;
  /** Low 32 bits of R after a successful {@link read}. */
  lo = 0;
  private readonly contexts: (SpanContext | undefined)[] = new Array(CACHE_SIZE).fill(undefined);
  private readonly traceIds: string[] = new Array(CACHE_SIZE).fill('');
  private readonly traceStates: unknown[] = new Array(CACHE_SIZE).fill(undefined);
  private readonly his = new Float64Array(CACHE_SIZE);
  private readonly los = new Float64Array(CACHE_SIZE);
  private readonly valids = new Uint8Array(CACHE_SIZE);
  private next = 0;
  private last = 0;

  /** Reads `sc`; false when it is not a valid span context (then `hi`/`lo` are meaningless). */
  read(sc: SpanContext): boolean {
    const traceId = sc.traceId;
    const traceState = sc.traceState;
    // The slot read last first: a request's records come one after another, and each is asked
    // about (enabled) and then emitted with the same span context.
    if (this.holds(this.last, sc, traceId, traceState)) return this.load(this.last);
    for (let i = 0; i < CACHE_SIZE; i++) {
      if (this.holds(i, sc, traceId, traceState)) {
        this.last = i;
        return this.load(i);
      }
    }
    const valid = this.parse(sc, traceId);
    const slot = this.next;
    this.next = (slot + 1) & (CACHE_SIZE - 1);
    this.last = slot;
    this.contexts[slot] = sc;
    this.traceIds[slot] = traceId;
    this.traceStates[slot] = traceState;
    this.his[slot] = this.hi;
    this.los[slot] = this.lo;
    this.valids[slot] = valid ? 1 : 0;
    return valid;
  }

  // The id and state are compared too: a span context is meant to be immutable, not frozen.
  private holds(i: number, sc: SpanContext, traceId: string, traceState: unknown): boolean {
    return (
      this.contexts[i] === sc && this.traceIds[i] === traceId && this.traceStates[i] === traceState
    );
  }

  private load(i: number): boolean {
    this.hi = this.his[i]!;
    this.lo = this.los[i]!;
    return this.valids[i] === 1;
  }

  // Validity as the SDK's isSpanContextValid decides it, by lengths and the all-zero ids; the hex
  // digits are checked where they are read (the low 56 bits). An id with a stray character in its
  // high half passes here but not in the SDK, which then drops the record's span context: such a
  // record is decided as one without trace context in onEmit.
  private parse(sc: SpanContext, traceId: string): boolean {
    const spanId = sc.spanId;
    if (typeof traceId !== 'string' || traceId.length !== 32 || traceId === INVALID_TRACE_ID) {
      return false;
    }
    if (typeof spanId !== 'string' || spanId.length !== 16 || spanId === INVALID_SPAN_ID) {
      return false;
    }
    if (!this.parse56(traceId, 18)) return false;
    const ot = sc.traceState?.get('ot');
    if (ot !== undefined) this.readRv(ot);
    return true;
  }

  // Sets hi/lo from the 14 hex digits at `start`; false (hi/lo undefined) if one is not hex.
  private parse56(s: string, start: number): boolean {
    let hi = 0;
    for (let i = start; i < start + 6; i++) {
      const d = hexAt(s, i);
      if (d < 0) return false;
      hi = hi * 16 + d;
    }
    let lo = 0;
    for (let i = start + 6; i < start + 14; i++) {
      const d = hexAt(s, i);
      if (d < 0) return false;
      lo = lo * 16 + d;
    }
    this.hi = hi;
    this.lo = lo;
    return true;
  }

  // `ot` is `key:value` pairs joined by `;`. A malformed rv is ignored (the trace id stands).
  private readRv(ot: string): void {
    let at = ot.startsWith('rv:') ? 0 : ot.indexOf(';rv:');
    if (at < 0) return;
    if (at > 0) at += 1;
    const start = at + 3;
    const end = start + 14;
    if (ot.length < end || (ot.length > end && ot.charCodeAt(end) !== 59)) return;
    const hi = this.hi;
    const lo = this.lo;
    if (!this.parse56(ot, start)) {
      this.hi = hi;
      this.lo = lo;
    }
  }
}

/**
 * 56 bits of randomness from a string (the `noTraceContext: { attribute }` mode): two independent
 * 32-bit FNV-1a hashes with a final avalanche, so equal values always land on the same side of a
 * threshold. Written into `out` to stay allocation-free.
 */
export function hashString56(s: string, out: { hi: number; lo: number }): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  out.hi = fmix32(h1) >>> 8;
  out.lo = fmix32(h2 ^ s.length) >>> 0;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** As {@link hashString56}, for a number attribute value (hashes its IEEE-754 bits). */
export function hashNumber56(n: number, out: { hi: number; lo: number }): void {
  F64[0] = n;
  // Both words feed both halves: small integers have an all-zero low word.
  const a = U32[0]!;
  const b = U32[1]!;
  out.hi = fmix32(Math.imul(a ^ 0x9747b28c, 0x5bd1e995) ^ fmix32(b ^ 0x811c9dc5)) >>> 8;
  out.lo = fmix32(Math.imul(b ^ 0x811c9dc5, 0x01000193) ^ fmix32(a ^ 0x85ebca6b)) >>> 0;
}

// MurmurHash3's 32-bit finalizer.
function fmix32(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
