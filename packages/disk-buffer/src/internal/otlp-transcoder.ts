import {
  isCleanTime,
  isUint,
  MAX_RECORD_UNITS,
  MAX_U32,
  ProtobufWriter,
  writeOtlpHrTime,
} from '@spillway/record-format';
import { CorruptRecordError } from './errors';
import { DECLINED, StoredValueTranscoder } from './otlp-value-transcoder';
import { rememberBounded } from './record-decoder';
import * as T from './record-tags';
import { lendCopy } from './request-buffers';

/*
 * Record-codec payloads (FORMAT.md "Batch payload", versions 2 and 1) straight to the protobuf
 * bytes of an OTLP `ExportLogsServiceRequest`, building no records: stored strings are UTF-8
 * already, so they are copied, not decoded. The bytes are the ones
 * `encodeExportLogsServiceRequest(decodeLogRecordBatches(payloads))` writes, field for field:
 *
 *   payload ─ resources, scopes ─► each one's message, once, keyed as the decoder keys them
 *           ─ records ─► LogRecord messages: the first (resource, scope) group straight into the
 *                        request, every other group into a writer of its own
 *   end ─► groups in the encoder's order (resources, then their scopes, by first record)
 *
 * Whatever that path would change or refuse — a value normalisation replaces (too deep, over the
 * budget, a time out of range, a bigint), ids kept as text, a map whose keys a JS object would
 * reorder or merge, a resource attribute the SDK's Resource drops — declines the whole batch:
 * the caller decodes and encodes it. Damage throws CorruptRecordError where the decoder throws
 * (same reader, same checks), or declines.
 */

/** What {@link transcodeToOtlpRequest} returns. */
export interface OtlpTranscodedRequest {
  /** The protobuf bytes of one `ExportLogsServiceRequest`, filling their own ArrayBuffer. */
  request: Uint8Array;
  /** How many log records it holds. */
  recordCount: number;
  /**
   * With `lend`: gives the request's buffer back for a later request to reuse (idempotent). Call
   * it once nothing reads the bytes any more, e.g. in the export's callback; never before.
   */
  release?: () => void;
}

/** Options of {@link transcodeToOtlpRequest}. */
export interface TranscodeOptions {
  /**
   * Write the request into a buffer lent from a small pool rather than a new one, given back with
   * `release()` (see request-buffers.ts: each new request-sized buffer counts towards the
   * external memory that starts V8's full collections). Default false.
   */
  lend?: boolean;
}

interface Part {
  /** The InstrumentationScope / Resource message's fields. */
  content: Uint8Array;
  /** UTF-8 schema URL, undefined when absent or empty (the encoder leaves it out then). */
  schemaUrl: Uint8Array | undefined;
}
interface ResourcePart extends Part {
  groups: Map<Part, ProtobufWriter>;
}

class Transcoder extends StoredValueTranscoder {
  recordCount = 0;
  private readonly resources = new Map<string, ResourcePart>();
  private readonly scopes = new Map<string, Part>();
  private readonly order: ResourcePart[] = [];
  private lastRes: ResourcePart | undefined;
  private lastScope: Part | undefined;
  private lastWriter: ProtobufWriter | undefined;
  private resourceLogs = -1;
  private scopeLogs = -1;
  private readonly t: [number, number] = [0, 0];
  private readonly observed: [number, number] = [0, 0];

  constructor(
    readonly out: ProtobufWriter,
    private readonly scratch: ProtobufWriter,
  ) {
    super();
  }

  payload(buf: Buffer): void {
    this.open(buf);
    const rd = this.rd;
    const resources: ResourcePart[] = [];
    for (let i = rd.varint(); i > 0; i--) resources.push(this.resource());
    const scopes: Part[] = [];
    for (let i = rd.varint(); i > 0; i--) scopes.push(this.scope());
    const n = rd.varint();
    for (let i = 0; i < n; i++) this.record(resources, scopes, i);
    if (rd.pos !== rd.end) {
      throw new CorruptRecordError(`payload has ${rd.end - rd.pos} bytes after its last record`);
    }
    if (!this.inline && this.tp !== this.textEnd) {
      throw new CorruptRecordError('text block has chars after its last string');
    }
    this.recordCount += n;
  }

  /**
   * Completes the request in `out` (the groups after the first, in the order the encoder's
   * grouping gives them): `out` then holds the whole request.
   */
  finish(): void {
    const w = this.out;
    const [first, ...rest] = this.order;
    if (first === undefined) return;
    let live = true;
    for (const [scope, writer] of first.groups) {
      if (live) {
        schemaUrl(w, scope.schemaUrl);
        w.end(this.scopeLogs);
        live = false;
      } else {
        scopeLogs(w, scope, writer);
      }
    }
    schemaUrl(w, first.schemaUrl);
    w.end(this.resourceLogs);
    for (const res of rest) {
      w.tag(1, 2);
      const rl = w.begin();
      message(w, 1, res.content);
      for (const [scope, writer] of res.groups) scopeLogs(w, scope, writer);
      schemaUrl(w, res.schemaUrl);
      w.end(rl);
    }
  }

  private resource(): ResourcePart {
    const rd = this.rd;
    const at = rd.pos;
    const textAt = this.tp;
    const w = this.scratch;
    w.rewind(0);
    this.budget = MAX_RECORD_UNITS;
    this.map(w, 1, 0, true);
    const url = rd.u8() === 1 ? this.text() : undefined;
    const key = this.key(at, textAt);
    let res = this.resources.get(key);
    if (res === undefined) {
      res = { content: w.finish(), schemaUrl: url, groups: new Map() };
      rememberBounded(this.resources, key, res);
    }
    return res;
  }

  private scope(): Part {
    const rd = this.rd;
    const at = rd.pos;
    const textAt = this.tp;
    const w = this.scratch;
    w.rewind(0);
    this.optionalText(w, 1);
    if (rd.u8() === 1) this.optionalText(w, 2);
    const url = rd.u8() === 1 ? this.text() : undefined;
    if (rd.u8() === 1) {
      this.budget = MAX_RECORD_UNITS;
      this.map(w, 3, 0, false);
    }
    this.droppedCount(w, 4);
    const key = this.key(at, textAt);
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = { content: w.finish(), schemaUrl: url };
      rememberBounded(this.scopes, key, scope);
    }
    return scope;
  }

  /** The decoder's key of the resource or scope read since `at`: its bytes, then its chars. */
  private key(at: number, textAt: number): string {
    const b = this.buf;
    const bytes = b.toString('latin1', at, this.rd.pos);
    return this.inline ? bytes : bytes + b.toString('utf8', textAt, this.tp);
  }

  private record(resources: ResourcePart[], scopes: Part[], i: number): void {
    const rd = this.rd;
    const res = resources[rd.varint()];
    const scope = scopes[rd.varint()];
    if (res === undefined || scope === undefined) {
      throw new CorruptRecordError(
        `record ${i} names a resource or scope that is not in the batch`,
      );
    }
    const w = this.writerFor(res, scope);
    const flags = rd.u8();
    this.time(this.t);
    this.time(this.observed);
    w.tag(2, 2); // ScopeLogs.log_records
    const at = w.begin();
    w.tag(1, 1);
    writeOtlpHrTime(w, this.t);
    if (flags & T.F_SEVERITY_NUMBER) {
      const n = rd.varint();
      if (n > 24) throw DECLINED;
      if (n !== 0) {
        w.tag(2, 0);
        w.varint(n);
      }
    }
    if (flags & T.F_SEVERITY_TEXT) this.optionalText(w, 3);
    this.budget = MAX_RECORD_UNITS;
    if (flags & T.F_BODY) {
      const tag = rd.u8();
      // An undefined body is no body: the encoder leaves the field out.
      if (tag !== T.T_UNDEFINED) {
        w.tag(5, 2);
        const body = w.begin();
        this.value(w, tag, 0);
        w.end(body);
      }
    }
    let eventAt = 0;
    let eventLen = 0;
    if (flags & T.F_EVENT_NAME) {
      this.checkedString();
      eventAt = this.sAt;
      eventLen = this.sLen;
    }
    let ids = -1;
    let traceFlags = 0;
    if (flags & T.F_SPAN) {
      // Ids kept as text are not hex: the encoder refuses them (the SDK's serializer decides).
      if (flags & T.F_TEXT_IDS) throw DECLINED;
      ids = rd.pos;
      rd.skip(24);
      traceFlags = rd.varint();
      if (traceFlags > 255) throw DECLINED;
      // Not sent; every trace state the decoder builds serialises within the text limit.
      if (flags & T.F_TRACE_STATE) this.string();
    }
    this.map(w, 6, 0, false);
    this.droppedCount(w, 7);
    if (ids >= 0) {
      if (traceFlags !== 0) {
        w.tag(8, 5);
        w.fixed32(traceFlags);
      }
      w.tag(9, 2);
      w.varint(16);
      w.raw(this.buf, ids, ids + 16);
      w.tag(10, 2);
      w.varint(8);
      w.raw(this.buf, ids + 16, ids + 24);
    }
    w.tag(11, 1);
    writeOtlpHrTime(w, this.observed);
    if (eventLen !== 0) {
      w.tag(12, 2);
      w.varint(eventLen);
      w.raw(this.buf, eventAt, eventAt + eventLen);
    }
    w.end(at);
  }

  /** Where the records of (`res`, `scope`) go: the first group opens the request itself. */
  private writerFor(res: ResourcePart, scope: Part): ProtobufWriter {
    if (res === this.lastRes && scope === this.lastScope) return this.lastWriter!;
    let writer = res.groups.get(scope);
    if (writer === undefined) {
      if (this.order.length === 0) {
        writer = this.out;
        writer.tag(1, 2); // ExportLogsServiceRequest.resource_logs
        this.resourceLogs = writer.begin();
        message(writer, 1, res.content);
        writer.tag(2, 2); // ResourceLogs.scope_logs
        this.scopeLogs = writer.begin();
        message(writer, 1, scope.content);
      } else {
        writer = new ProtobufWriter(4096);
      }
      if (res.groups.size === 0) this.order.push(res);
      res.groups.set(scope, writer);
    }
    this.lastRes = res;
    this.lastScope = scope;
    this.lastWriter = writer;
    return writer;
  }

  /** A time, declined where normalisation would replace it (the same check). */
  private time(t: [number, number]): void {
    const rd = this.rd;
    const ns = rd.u32();
    if (ns === T.HR_WIDE) {
      t[0] = rd.f64le();
      t[1] = rd.f64le();
    } else {
      t[0] = rd.u32();
      t[1] = ns;
    }
    if (!isCleanTime(t)) throw DECLINED;
  }

  /** A dropped-attributes count as `field`, left out at 0; declined past what normalisation keeps. */
  private droppedCount(w: ProtobufWriter, field: number): void {
    const dropped = this.rd.varint();
    if (!isUint(dropped, MAX_U32)) throw DECLINED;
    if (dropped !== 0) {
      w.tag(field, 0);
      w.varint(dropped);
    }
  }
}

function message(w: ProtobufWriter, field: number, content: Uint8Array): void {
  w.tag(field, 2);
  w.varint(content.length);
  w.raw(content);
}

/** The schema URL of a ResourceLogs or ScopeLogs (field 3), left out when there is none. */
function schemaUrl(w: ProtobufWriter, url: Uint8Array | undefined): void {
  if (url === undefined || url.length === 0) return;
  w.tag(3, 2);
  w.varint(url.length);
  w.raw(url);
}

function scopeLogs(w: ProtobufWriter, scope: Part, records: ProtobufWriter): void {
  w.tag(2, 2);
  const sl = w.begin();
  message(w, 1, scope.content);
  w.raw(records.view());
  schemaUrl(w, scope.schemaUrl);
  w.end(sl);
}

/**
 * The protobuf bytes of an OTLP `ExportLogsServiceRequest` holding the records of `payloads`
 * (record-codec batch payloads, as `encodedPayloadsOf` gives them or `encodeLogRecordBatch`
 * writes them), written straight from the stored bytes: no records are built and stored UTF-8 is
 * copied. Use it where a batch from the WAL goes to an OTLP exporter that takes request bytes.
 *
 * Guarantees: the bytes are exactly those of
 * `encodeExportLogsServiceRequest(decodeLogRecordBatches(payloads))` (the same grouping by
 * resource and scope, in the same order, field for field; only a signalling NaN in an array keeps
 * its stored bits, where the decode path's array storage sets the quiet bit: NaN either way).
 * `undefined` when that encoder would refuse the batch (trace or span ids that are not hex) or
 * would write something other than the stored values (whatever normalisation substitutes,
 * bigints, a map a JS object would reorder or merge, a resource attribute the SDK's Resource
 * drops, bytes that are not UTF-8): decode and encode that batch instead. Throws `CorruptRecordError` on damage, as the decoder
 * does; every read is bounds-checked, and the work is bounded by the payloads' size.
 */
export function transcodeToOtlpRequest(
  payloads: readonly Uint8Array[],
  options: TranscodeOptions = {},
): OtlpTranscodedRequest | undefined {
  const writers = spare ?? newWriters(payloads);
  spare = undefined;
  writers.out.rewind(0);
  writers.scratch.rewind(0);
  const t = new Transcoder(writers.out, writers.scratch);
  try {
    for (const p of payloads) {
      t.payload(Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    }
    t.finish();
    if (options.lend !== true) return { request: writers.out.finish(), recordCount: t.recordCount };
    const { bytes, release } = lendCopy(writers.out.view());
    return { request: bytes, recordCount: t.recordCount, release };
  } catch (e) {
    if (e === DECLINED) return undefined;
    throw e;
  } finally {
    if (writers.out.capacity <= MAX_SPARE_BYTES) spare = writers;
  }
}

// The request's writer and the scratch writer, kept for the next call: the request is a copy
// (`finish`, or a lent buffer), so nothing returned shares them. One request's worth of external
// memory is then reused rather than allocated per batch (each allocation counts towards V8's
// external-memory pressure, which starts full collections of the heap). Taken while in use, so a
// nested call gets its own.
let spare: { out: ProtobufWriter; scratch: ProtobufWriter } | undefined;

/** Writers for a first request (or one made while another is in use), sized for `payloads`. */
function newWriters(payloads: readonly Uint8Array[]) {
  let bytes = 1024;
  for (const p of payloads) bytes += p.length + (p.length >> 1);
  return { out: new ProtobufWriter(bytes), scratch: new ProtobufWriter(1024) };
}
/** A writer grown past this (a request of unusual size) is not kept. */
const MAX_SPARE_BYTES = 8 * 1024 * 1024;
