import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  renormalizeLogRecord,
  type SubstitutionCounts,
} from '@spillway/record-format';
import type { ByteWriter } from './byte-writer';
import { writeHrTime, writeMap, writeOptString, writeSpanIds, writeValue } from './record-fields';
import {
  CODEC_VERSION,
  F_BODY,
  F_EVENT_NAME,
  F_REMOTE,
  F_SEVERITY_NUMBER,
  F_SEVERITY_TEXT,
  F_SPAN,
  F_TEXT_IDS,
  F_TRACE_STATE,
  T_STRING,
} from './record-tags';

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];

/** Appended to each record's attributes when `recordUid` is on (never stored in the caller's map). */
export interface ExtraAttribute {
  key: string;
  value: (index: number) => string;
}

/*
 * Lossless binary encoding of a batch of ReadableLogRecords (the WAL frame payload, FORMAT.md
 * "Batch payload"). Resources and scopes are written once per batch (deduplicated by identity, as
 * the SDK keeps them stable) and referenced by index from each record.
 *
 * Decodable by construction: the writer refuses (throws) whatever the decoder would not read back
 * (a value nested deeper than the decoder's bound, a non-string text, a number no varint holds),
 * and a record that makes it throw is rewound and written again from its normalised copy, so one
 * bad record never costs its neighbours. Records normalised before (@spillway/record-format's
 * `normalizeLogRecord`) never throw here: the retry is for a value changed after its check.
 */

// Reused between batches: the resource / scope index of each record.
let rIdx = new Uint32Array(1024);
let sIdx = new Uint32Array(1024);

/**
 * Appends the payload of `records` to `w`. `uid`, when given, names the extra attribute stamped on
 * each record (its value from the record's index in the batch). A record rewritten from its
 * normalised copy counts its substitutions in `substituted`. True when every record was written
 * as it is (none rewritten from a copy): the payload then holds exactly `records`.
 */
export function encodeBatch(
  w: ByteWriter,
  records: ReadonlyArray<ReadableLogRecord>,
  substituted: SubstitutionCounts = emptySubstitutionCounts(),
  uid?: ExtraAttribute,
): boolean {
  const start = w.pos;
  w.u8(CODEC_VERSION);
  w.u32(0); // where the text block starts, back-filled below
  try {
    const asIs = encodeAll(w, records, uid, substituted);
    w.buf.writeUInt32LE(w.pos - start, start + 1);
    w.endText();
    return asIs;
  } finally {
    // Also when encoding threw (a throwing getter): hold no strings until the next batch.
    w.discardText();
  }
}

function encodeAll(
  w: ByteWriter,
  records: ReadonlyArray<ReadableLogRecord>,
  uid: ExtraAttribute | undefined,
  substituted: SubstitutionCounts,
): boolean {
  const n = records.length;
  if (rIdx.length < n) {
    rIdx = new Uint32Array(n);
    sIdx = new Uint32Array(n);
  }
  if (n === 0) {
    w.varint(0); // resources
    w.varint(0); // scopes
    w.varint(0); // records
    return true;
  }
  // Distinct resources and scopes in first-seen order. Nearly every batch has one of each (a
  // FATAL write-through has one record), so the previous record's is checked first and the maps
  // are made only when a second one appears: no allocation on the per-emit path.
  const first = records[0]!;
  const resources: Resource[] = [first.resource];
  const scopes: Scope[] = [first.instrumentationScope];
  let resIndex: Map<Resource, number> | undefined;
  let scopeIndex: Map<Scope, number> | undefined;
  let lastRes = first.resource;
  let lastScope = first.instrumentationScope;
  let ri = 0;
  let si = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const res = r.resource;
    if (res !== lastRes) {
      resIndex ??= new Map([[resources[0]!, 0]]);
      let k = resIndex.get(res);
      if (k === undefined) {
        k = resources.length;
        resources.push(res);
        resIndex.set(res, k);
      }
      lastRes = res;
      ri = k;
    }
    const scope = r.instrumentationScope;
    if (scope !== lastScope) {
      scopeIndex ??= new Map([[scopes[0]!, 0]]);
      let k = scopeIndex.get(scope);
      if (k === undefined) {
        k = scopes.length;
        scopes.push(scope);
        scopeIndex.set(scope, k);
      }
      lastScope = scope;
      si = k;
    }
    rIdx[i] = ri;
    sIdx[i] = si;
  }
  w.varint(resources.length);
  for (let i = 0; i < resources.length; i++) {
    const res = resources[i]!;
    writeMap(w, res.attributes as Record<string, unknown>, 0);
    writeOptString(w, res.schemaUrl);
  }
  w.varint(scopes.length);
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i]!;
    w.text(s.name);
    writeOptString(w, s.version);
    writeOptString(w, s.schemaUrl);
    if (s.attributes === undefined) {
      w.u8(0);
    } else {
      w.u8(1);
      writeMap(w, s.attributes as Record<string, unknown>, 0);
    }
    w.varint(s.droppedAttributesCount ?? 0);
  }
  w.varint(n);
  let asIs = true;
  for (let i = 0; i < n; i++) {
    const at = w.pos;
    const mark = w.textMark;
    try {
      writeRecord(w, records[i]!, rIdx[i]!, sIdx[i]!, uid, i);
    } catch {
      // Written under the same resource and scope indexes: those are already in the batch.
      w.pos = at;
      w.rewindText(mark);
      writeRecord(w, renormalizeLogRecord(records[i]!, substituted), rIdx[i]!, sIdx[i]!, uid, i);
      asIs = false;
    }
  }
  return asIs;
}

function writeRecord(
  w: ByteWriter,
  r: ReadableLogRecord,
  ri: number,
  si: number,
  uid: ExtraAttribute | undefined,
  i: number,
): void {
  // Both indexes are nearly always < 128: a byte each, without the varint loop.
  w.ensure(3);
  let p = w.pos;
  const b = w.buf;
  if (ri < 0x80 && si < 0x80) {
    b[p] = ri;
    b[p + 1] = si;
    p += 2;
  } else {
    w.varint(ri);
    w.varint(si);
    p = w.pos;
  }
  const flagsAt = p;
  let flags = 0;
  w.pos = p + 1;
  writeHrTime(w, r.hrTime);
  writeHrTime(w, r.hrTimeObserved);
  const severityNumber = r.severityNumber;
  if (severityNumber !== undefined) {
    flags |= F_SEVERITY_NUMBER;
    w.varint(severityNumber as number);
  }
  const severityText = r.severityText;
  if (severityText !== undefined) {
    flags |= F_SEVERITY_TEXT;
    w.text(severityText);
  }
  const body = r.body;
  if (body !== undefined) {
    flags |= F_BODY;
    if (typeof body === 'string') {
      w.u8(T_STRING);
      w.text(body);
    } else {
      writeValue(w, body, 0);
    }
  }
  const eventName = r.eventName;
  if (eventName !== undefined) {
    flags |= F_EVENT_NAME;
    w.text(eventName);
  }
  const sc = r.spanContext;
  if (sc !== undefined) {
    flags |= F_SPAN;
    if (!writeSpanIds(w, sc.traceId, sc.spanId)) {
      flags |= F_TEXT_IDS;
      w.text(sc.traceId);
      w.text(sc.spanId);
    }
    w.varint(sc.traceFlags);
    if (sc.isRemote) flags |= F_REMOTE;
    if (sc.traceState !== undefined) {
      flags |= F_TRACE_STATE;
      w.text(sc.traceState.serialize());
    }
  }
  writeMap(
    w,
    r.attributes as Record<string, unknown>,
    0,
    uid ? [uid.key, uid.value(i)] : undefined,
  );
  w.varint(r.droppedAttributesCount);
  w.buf[flagsAt] = flags;
}
