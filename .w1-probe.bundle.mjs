// packages/disk-buffer/src/directory-locked-error.ts
import { hostname } from "node:os";
var DirectoryLockedError = class extends Error {
  constructor(directory, holderPid, holderHost) {
    super(
      `buffer directory ${directory} is locked by process ${holderPid}` + (holderHost ? ` on host ${holderHost}` : "") + (holderPid === process.pid && (holderHost ?? hostname()) === hostname() ? " (this process: another exporter uses it)" : "")
    );
    this.directory = directory;
    this.holderPid = holderPid;
    this.holderHost = holderHost;
  }
  directory;
  holderPid;
  holderHost;
  name = "DirectoryLockedError";
};

// packages/disk-buffer/src/disk-buffered-log-record-exporter.ts
import { randomBytes } from "node:crypto";
import * as fs11 from "node:fs";
import { join as join9 } from "node:path";
import { ExportResultCode as ExportResultCode2, globalErrorHandler as globalErrorHandler2 } from "@opentelemetry/core";

// packages/disk-buffer/src/internal/byte-writer.ts
var utf8Write = Buffer.prototype.utf8Write ?? function(s, offset) {
  return this.write(s, offset, "utf8");
};
var HEX_PAIR = /* @__PURE__ */ (() => {
  const digit = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) digit[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    digit[65 + i] = 10 + i;
    digit[97 + i] = 10 + i;
  }
  const t = new Int16Array(128 * 128).fill(-1);
  for (let hi = 0; hi < 128; hi++) {
    for (let lo = 0; lo < 128; lo++) {
      if (digit[hi] >= 0 && digit[lo] >= 0) t[hi << 7 | lo] = digit[hi] << 4 | digit[lo];
    }
  }
  return t;
})();
var ByteWriter = class {
  buf;
  pos = 0;
  // A view of `buf` for the 4-byte copies of `words` (unaligned, which typed arrays refuse).
  dv;
  f64 = new Float64Array(1);
  f64Bytes = new Uint8Array(this.f64.buffer);
  // The strings given to `text` since the last `endText`, in order.
  texts = [];
  textCount = 0;
  /** The char `text` read to flatten a rope: a public field, so the read cannot be elided. */
  flattenProbe = 0;
  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }
  reset(pos = 0) {
    this.pos = pos;
    this.discardText();
  }
  ensure(n) {
    if (this.pos + n > this.buf.length) this.grow(n);
  }
  // Kept out of `ensure` so that stays small enough to inline everywhere.
  grow(n) {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.length);
  }
  u8(v) {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  /**
   * Unsigned varint of a non-negative safe integer. Throws on anything else (Infinity would never
   * end the loop; a negative or fractional number would write bytes no reader accepts).
   */
  varint(v) {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v >>> 0 === v && v < 128) {
      b[p] = v;
      this.pos = p + 1;
      return;
    }
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`varint of ${String(v)}: not a non-negative safe integer`);
    }
    while (v >= 128) {
      b[p++] = v % 128 | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }
  f64le(v) {
    this.ensure(8);
    this.f64[0] = v;
    const b = this.buf;
    const f = this.f64Bytes;
    const p = this.pos;
    for (let i = 0; i < 8; i++) b[p + i] = f[i];
    this.pos = p + 8;
  }
  /**
   * Writes the varint length of `s` in UTF-16 code units; its chars go in the text block. Throws
   * on a non-string (its chars would not match the length written).
   */
  text(s) {
    if (typeof s !== "string") throw new TypeError(`text of a ${typeof s}, not a string`);
    this.texts[this.textCount++] = s;
    const n = s.length;
    if (n >= 13) this.flattenProbe = s.charCodeAt(0);
    if (n < 128) {
      this.ensure(1);
      this.buf[this.pos++] = n;
    } else {
      this.varint(n);
    }
  }
  /** How many strings {@link text} holds (to rewind to with {@link rewindText}). */
  get textMark() {
    return this.textCount;
  }
  /** Forgets the strings given to {@link text} after `mark` was taken. */
  rewindText(mark) {
    this.textCount = mark;
  }
  /** Writes every string given to {@link text} since the last call, as one UTF-8 block. */
  endText() {
    const parts = this.texts;
    parts.length = this.textCount;
    const all = parts.join("");
    this.discardText();
    this.ensure(all.length * 3);
    this.pos += utf8Write.call(this.buf, all, this.pos);
  }
  /** Drops the strings held for the text block (also after a failed encode: holds nothing). */
  discardText() {
    this.texts.length = 0;
    this.textCount = 0;
  }
  /** Appends `len` (a multiple of 4) bytes of `src` from `from`, four at a time. */
  words(src, from, len) {
    this.ensure(len);
    const dv = this.dv;
    const p = this.pos;
    for (let j = 0; j < len; j += 4) dv.setUint32(p + j, src.getUint32(from + j, true), true);
    this.pos = p + len;
  }
  raw(bytes) {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
  /** Little-endian u32. */
  u32(v) {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }
  /**
   * Writes `hex` as raw bytes; returns false (pos unchanged, bytes past it clobbered) unless it is
   * exactly `bytes` long and all hex digits.
   */
  hex(hex2, bytes) {
    if (hex2.length !== bytes * 2) return false;
    this.ensure(bytes);
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < bytes; i++) {
      const hi = hex2.charCodeAt(2 * i);
      const lo = hex2.charCodeAt(2 * i + 1);
      const v = (hi | lo) > 127 ? -1 : HEX_PAIR[hi << 7 | lo];
      if (v < 0) return false;
      b[p + i] = v;
    }
    this.pos = p + bytes;
    return true;
  }
};

// packages/disk-buffer/src/internal/checkpoint.ts
import * as fs from "node:fs";
import { join as join2 } from "node:path";

// packages/record-format/src/config-values.ts
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";
function isInvalid(v) {
  return typeof v === "object" && v !== null && v.invalid === true;
}
function invalid(expected) {
  return { invalid: true, expected };
}
var SIZE_UNITS = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40
};
var SIZE_FORM = "a byte count or a number with a unit: 1048576, 512MiB, 2GiB, 1.5GB (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)";
function parseSize(text, min = 0) {
  const form = min > 0 ? `${SIZE_FORM}, at least ${formatSize(min)}` : SIZE_FORM;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return invalid(form);
  const unit = SIZE_UNITS[(m[2] || "b").toLowerCase()];
  if (unit === void 0) return invalid(form);
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes >= min ? bytes : invalid(form);
}
function formatSize(bytes) {
  for (const [unit, size] of [
    ["TiB", 2 ** 40],
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10]
  ]) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)}MiB`;
  return `${bytes}B`;
}
var DURATION_UNITS = { ms: 1, s: 1e3, m: 6e4, h: 36e5 };
var MAX_DURATION_MILLIS = 2 ** 31 - 1;
var DURATION_FORM = "milliseconds or a number with a unit: 5000, 250ms, 5s, 2m, 1h (at most 2147483647 ms, about 24 days)";
function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  if (!m) return invalid(DURATION_FORM);
  const ms = Math.round(Number(m[1]) * (DURATION_UNITS[(m[2] || "ms").toLowerCase()] ?? 1));
  return Number.isSafeInteger(ms) && ms <= MAX_DURATION_MILLIS ? ms : invalid(DURATION_FORM);
}
function parseFsync(text) {
  const t = text.trim();
  if (t === "always" || t === "never") return t;
  const m = /^interval:(.+)$/.exec(t);
  if (m) {
    const ms = parseDuration(m[1]);
    if (!isInvalid(ms) && ms > 0) return { intervalMillis: ms };
  }
  return invalid("always, never or interval:<milliseconds> (e.g. interval:200, interval:1s)");
}
var PSEUDO_FILE_SYSTEMS = ["/proc", "/sys"];
function parseDirectory(text) {
  const t = text.trim();
  const form = "an absolute directory path outside /proc and /sys (e.g. /var/lib/my-service/spillway)";
  if (t === "" || !isAbsolute(t)) return invalid(form);
  const abs = resolve(t);
  if (PSEUDO_FILE_SYSTEMS.some((p) => abs === p || abs.startsWith(p + sep))) return invalid(form);
  return abs;
}
function serviceNameFromEnv(env) {
  const name = env["OTEL_SERVICE_NAME"]?.trim();
  if (name) return name;
  for (const pair of (env["OTEL_RESOURCE_ATTRIBUTES"] ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === "service.name") {
      try {
        const v = decodeURIComponent(pair.slice(eq + 1).trim());
        if (v) return v;
      } catch {
      }
    }
  }
  return "unknown_service:node";
}
function defaultDataDirectory(serviceName) {
  return join(tmpdir(), "spillway", serviceName.replace(/[^A-Za-z0-9._-]+/g, "_"));
}

// packages/record-format/src/config-warning.ts
import { diag } from "@opentelemetry/api";
function emitConfigWarning(message) {
  diag.warn(message);
  process.emitWarning(message, { type: "SpillwayConfigWarning", code: "SPILLWAY_CONFIG" });
}

// packages/record-format/src/crc32.ts
import * as zlib from "node:zlib";
var native = zlib.crc32;
var table;
function makeTable() {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 3988292384 ^ c >>> 1 : c >>> 1;
    t[n] = c;
  }
  return t;
}
function crc32Table(data, start = 0, end = data.length) {
  table ??= makeTable();
  let c = -1;
  for (let i = start; i < end; i++) c = table[(c ^ data[i]) & 255] ^ c >>> 8;
  return (c ^ -1) >>> 0;
}
function crc32Native(data, start = 0, end = data.length) {
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return native(view) >>> 0;
}
var crc322 = native ? crc32Native : crc32Table;

// packages/record-format/src/normalize-log-record.ts
import { createTraceState } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";

// packages/record-format/src/normalize-value.ts
var MAX_VALUE_DEPTH = 31;
var MAX_RECORD_UNITS = 1048576;
var UNITS_PER_VALUE = 16;
function emptySubstitutionCounts() {
  return {
    cyclic: 0,
    depth_limit: 0,
    unreadable: 0,
    size_limit: 0,
    number: 0,
    text: 0,
    surrogate: 0,
    type: 0
  };
}
var CYCLIC = "[cyclic]";
var DEPTH_LIMIT = "[depth limit]";
var SIZE_LIMIT = "[size limit]";
function unreadable(err) {
  let name = "Error";
  try {
    const n = err?.name;
    if (typeof n === "string" && /^[A-Za-z0-9_$.]{1,64}$/.test(n)) name = n;
  } catch {
  }
  return `[unreadable: ${name}]`;
}
function isWellFormed(s) {
  return s.isWellFormed();
}
function toWellFormed(s) {
  return s.toWellFormed();
}
function isPlainMap(v) {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
function isCleanValue(v, depth, budget2) {
  switch (typeof v) {
    case "string":
      budget2.units -= v.length + UNITS_PER_VALUE;
      return budget2.units >= 0 && isWellFormed(v);
    case "number":
    case "boolean":
    case "undefined":
      budget2.units -= UNITS_PER_VALUE;
      return budget2.units >= 0;
    case "object": {
      budget2.units -= UNITS_PER_VALUE;
      if (v === null) return budget2.units >= 0;
      if (v instanceof Uint8Array) {
        budget2.units -= v.length;
        return budget2.units >= 0;
      }
      if (depth >= MAX_VALUE_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!isCleanValue(v[i], depth + 1, budget2)) return false;
        }
        return budget2.units >= 0;
      }
      return isPlainMap(v) && isCleanMap(v, depth + 1, budget2);
    }
    default:
      return false;
  }
}
function isCleanMap(m, depth, budget2) {
  for (const k in m) {
    budget2.units -= k.length + UNITS_PER_VALUE;
    if (!isWellFormed(k) || !isCleanValue(m[k], depth, budget2)) return false;
  }
  return budget2.units >= 0;
}
var OVER_BUDGET = /* @__PURE__ */ Symbol("over budget");
function setEntry(out, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true
    });
  } else {
    out[key] = value;
  }
}
function copyValue(v, depth, budget2, counts, ancestors) {
  budget2.units -= UNITS_PER_VALUE;
  if (budget2.units < 0) return OVER_BUDGET;
  switch (typeof v) {
    case "string":
      budget2.units -= v.length;
      if (budget2.units < 0) return OVER_BUDGET;
      if (isWellFormed(v)) return v;
      counts.surrogate++;
      return toWellFormed(v);
    case "number":
    case "boolean":
    case "undefined":
      return v;
    case "bigint":
      counts.type++;
      return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString();
    case "object":
      if (v === null) return null;
      return copyObject(v, depth, budget2, counts, ancestors);
    default:
      counts.type++;
      return void 0;
  }
}
function copyObject(v, depth, budget2, counts, ancestors) {
  if (ancestors.includes(v)) {
    counts.cyclic++;
    return CYCLIC;
  }
  try {
    if (v instanceof Uint8Array) {
      budget2.units -= v.length;
      return budget2.units < 0 ? OVER_BUDGET : v;
    }
    if (depth >= MAX_VALUE_DEPTH) {
      counts.depth_limit++;
      return DEPTH_LIMIT;
    }
    ancestors.push(v);
    try {
      return Array.isArray(v) ? copyArray(v, depth, budget2, counts, ancestors) : copyMap(v, depth, budget2, counts, ancestors);
    } finally {
      ancestors.pop();
    }
  } catch (err) {
    counts.unreadable++;
    return unreadable(err);
  }
}
function copyArray(v, depth, budget2, counts, ancestors) {
  const n = v.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const item = readEntry(v, i, counts);
    const c = copyValue(item, depth + 1, budget2, counts, ancestors);
    if (c === OVER_BUDGET) return c;
    out[i] = c;
  }
  return out;
}
function copyMap(v, depth, budget2, counts, ancestors) {
  const plain = isPlainMap(v);
  if (!plain) counts.type++;
  const keys = plain ? keysOf(v) : Object.keys(v);
  const out = {};
  for (const k of keys) {
    budget2.units -= k.length + UNITS_PER_VALUE;
    if (budget2.units < 0) return OVER_BUDGET;
    const c = copyValue(readEntry(v, k, counts), depth + 1, budget2, counts, ancestors);
    if (c === OVER_BUDGET) return c;
    setEntry(out, cleanKey(k, counts), c);
  }
  return out;
}
function keysOf(v) {
  const keys = [];
  for (const k in v) keys.push(k);
  return keys;
}
function cleanKey(k, counts) {
  if (isWellFormed(k)) return k;
  counts.surrogate++;
  return toWellFormed(k);
}
function readEntry(v, k, counts) {
  try {
    return v[k];
  } catch (err) {
    counts.unreadable++;
    return unreadable(err);
  }
}

// packages/record-format/src/normalize-log-record.ts
var MAX_TEXT_UNITS = 4096;
var MAX_TIME_SECONDS = 18446744072;
var MAX_U32 = 4294967295;
var budget = { units: 0 };
var verdicts = /* @__PURE__ */ new WeakMap();
var lastResource;
var lastScope;
var CLEAN = /* @__PURE__ */ Symbol("spillway.normalized");
function normalizeLogRecord(record, counts) {
  let out;
  try {
    if (record[CLEAN] === true) return record;
    out = isCleanRecord(record) ? record : copyRecord(record, counts);
  } catch {
    out = copyRecord(record, counts);
  }
  try {
    out[CLEAN] = true;
  } catch {
  }
  return out;
}
function renormalizeLogRecord(record, counts) {
  const out = copyRecord(record, counts);
  out[CLEAN] = true;
  return out;
}
function normalizeLogRecords(records, counts) {
  let out = records;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const n = normalizeLogRecord(r, counts);
    if (n !== r) {
      if (out === records) out = records.slice();
      out[i] = n;
    }
  }
  return out;
}
function isUint(v, max) {
  return typeof v === "number" && v >= 0 && v <= max && Math.floor(v) === v && (v !== 0 || 1 / v > 0);
}
function isCleanTime(t) {
  const a = t;
  return Array.isArray(a) && a.length === 2 && isUint(a[0], MAX_TIME_SECONDS) && isUint(a[1], 999999999);
}
function isCleanText(s) {
  return s === void 0 || typeof s === "string" && s.length <= MAX_TEXT_UNITS && isWellFormed(s);
}
function isCleanRecord(r) {
  if (!isCleanTime(r.hrTime) || !isCleanTime(r.hrTimeObserved)) return false;
  const n = r.severityNumber;
  if (n !== void 0 && !isUint(n, 24)) return false;
  if (!isCleanText(r.severityText) || !isCleanText(r.eventName)) return false;
  const sc = r.spanContext;
  if (sc !== void 0 && !isCleanSpan(sc)) return false;
  if (!isUint(r.droppedAttributesCount, MAX_U32)) return false;
  budget.units = MAX_RECORD_UNITS;
  const body = r.body;
  if (body !== void 0 && !isCleanValue(body, 0, budget)) return false;
  if (!isCleanAttributes(r.attributes, budget)) return false;
  return isCleanResource(r.resource) && isCleanScope(r.instrumentationScope);
}
function isCleanAttributes(a, b) {
  return typeof a === "object" && a !== null && isPlainMap(a) && isCleanMap(a, 0, b);
}
function isCleanSpan(sc) {
  if (typeof sc !== "object" || sc === null) return false;
  if (!isCleanText(sc.traceId) || !isCleanText(sc.spanId)) return false;
  if (typeof sc.traceId !== "string" || typeof sc.spanId !== "string") return false;
  if (!isUint(sc.traceFlags, 255)) return false;
  if (sc.isRemote !== void 0 && typeof sc.isRemote !== "boolean") return false;
  const ts = sc.traceState;
  return ts === void 0 || isCleanText(ts.serialize());
}
var FAILED = /* @__PURE__ */ Symbol("read failed");
var readError;
function read(o, k) {
  try {
    return o[k];
  } catch (err) {
    readError = err;
    return FAILED;
  }
}
function copyRecord(r, counts) {
  const observed = cleanTime(read(r, "hrTimeObserved"), counts) ?? [0, 0];
  const out = {
    hrTime: cleanTime(read(r, "hrTime"), counts) ?? observed,
    hrTimeObserved: observed,
    resource: cleanResource(read(r, "resource"), counts),
    instrumentationScope: cleanScope(read(r, "instrumentationScope"), counts),
    attributes: {},
    droppedAttributesCount: cleanCount(read(r, "droppedAttributesCount"), MAX_U32, counts)
  };
  let severityText = cleanText(read(r, "severityText"), counts);
  const n = read(r, "severityNumber");
  if (n !== void 0) {
    if (isUint(n, 24)) {
      out.severityNumber = n;
    } else {
      counts.number++;
      out.severityNumber = 0;
      severityText ??= n === FAILED ? unreadable(readError) : cleanText(textOf(n), counts);
    }
  }
  if (severityText !== void 0) out.severityText = severityText;
  const eventName = cleanText(read(r, "eventName"), counts);
  if (eventName !== void 0) out.eventName = eventName;
  const sc = cleanSpan(read(r, "spanContext"), counts);
  if (sc !== void 0) out.spanContext = sc;
  const b = { units: MAX_RECORD_UNITS };
  const body = read(r, "body");
  if (body === FAILED) {
    counts.unreadable++;
    out.body = unreadable(readError);
  } else if (body !== void 0) {
    const c = copyValue(body, 0, b, counts, []);
    if (c === OVER_BUDGET) counts.size_limit++;
    out.body = c === OVER_BUDGET ? SIZE_LIMIT : c;
  }
  const dropped = copyAttributes(read(r, "attributes"), b, counts, out.attributes);
  out.droppedAttributesCount = Math.min(MAX_U32, out.droppedAttributesCount + dropped);
  return out;
}
function copyAttributes(a, b, counts, into) {
  if (a === FAILED) {
    counts.unreadable++;
    return 0;
  }
  if (typeof a !== "object" || a === null) {
    if (a !== void 0) counts.type++;
    return 0;
  }
  let keys;
  try {
    keys = isPlainMap(a) ? keysOf(a) : Object.keys(a);
  } catch (err) {
    counts.unreadable++;
    setEntry(into, "attributes", unreadable(err));
    return 0;
  }
  let dropped = 0;
  for (const k of keys) {
    b.units -= k.length + UNITS_PER_VALUE;
    const c = b.units < 0 ? OVER_BUDGET : copyValue(readEntry(a, k, counts), 0, b, counts, [a]);
    if (c === OVER_BUDGET) {
      counts.size_limit++;
      dropped++;
      continue;
    }
    setEntry(into, cleanKey(k, counts), c);
  }
  return dropped;
}
function cleanTime(t, counts) {
  if (isCleanTime(t)) return t;
  if (t === FAILED) {
    counts.unreadable++;
    return void 0;
  }
  counts.number++;
  const s = read(t, "0");
  const ns = read(t, "1");
  if (typeof s !== "number" || typeof ns !== "number" || !Number.isFinite(s + ns)) return void 0;
  let sec = Math.floor(s);
  let nanos = Math.round((s - sec) * 1e9 + ns);
  const carry = Math.floor(nanos / 1e9);
  sec += carry;
  nanos -= carry * 1e9;
  if (!isUint(sec + 0, MAX_TIME_SECONDS) || !isUint(nanos + 0, 999999999)) return void 0;
  return [sec + 0, nanos + 0];
}
function cleanCount(v, max, counts) {
  if (isUint(v, max)) return v;
  if (v === FAILED) counts.unreadable++;
  else counts.number++;
  if (typeof v !== "number" || !(v > 0)) return 0;
  return Math.min(max, Math.floor(v));
}
function textOf(v) {
  try {
    return String(v);
  } catch (err) {
    return unreadable(err);
  }
}
function cleanText(v, counts) {
  if (v === void 0) return void 0;
  if (v === FAILED) {
    counts.unreadable++;
    return unreadable(readError);
  }
  let s;
  if (typeof v === "string") {
    s = v;
  } else {
    counts.text++;
    if (v === null) return void 0;
    s = textOf(v);
  }
  if (s.length > MAX_TEXT_UNITS) {
    counts.size_limit++;
    return SIZE_LIMIT;
  }
  if (isWellFormed(s)) return s;
  counts.surrogate++;
  return toWellFormed(s);
}
function cleanSpan(v, counts) {
  if (v === void 0) return void 0;
  if (v === FAILED || typeof v !== "object" || v === null) {
    if (v === FAILED) counts.unreadable++;
    else counts.type++;
    return void 0;
  }
  const sc = {
    traceId: cleanText(read(v, "traceId"), counts) ?? "",
    spanId: cleanText(read(v, "spanId"), counts) ?? "",
    traceFlags: cleanCount(read(v, "traceFlags"), 255, counts)
  };
  const remote = read(v, "isRemote");
  if (remote === true) sc.isRemote = true;
  else if (remote !== void 0 && remote !== false) counts.type++;
  const ts = read(v, "traceState");
  if (ts === FAILED) {
    counts.unreadable++;
  } else if (ts !== void 0) {
    let text;
    try {
      text = ts.serialize();
    } catch (err) {
      text = FAILED;
      readError = err;
    }
    const clean = cleanText(text, counts);
    if (clean !== void 0) sc.traceState = createTraceState(clean);
  }
  return sc;
}
function isCleanResource(v) {
  if (v === lastResource) return true;
  if (typeof v !== "object" || v === null) return false;
  const known = verdicts.get(v);
  if (known !== void 0) {
    if (known === v) lastResource = v;
    return known === v;
  }
  if (v.asyncAttributesPending === true) return true;
  if (!isCleanText(v.schemaUrl) || !isCleanAttributes(v.attributes, { units: MAX_RECORD_UNITS })) {
    return false;
  }
  verdicts.set(v, v);
  lastResource = v;
  return true;
}
function cleanResource(v, counts) {
  if (safely(isCleanResource, v)) return v;
  const isObject = typeof v === "object" && v !== null;
  const known = isObject ? verdicts.get(v) : void 0;
  if (known !== void 0) return known;
  if (!isObject) counts.type++;
  const attrs = {};
  copyAttributes(read(v, "attributes"), { units: MAX_RECORD_UNITS }, counts, attrs);
  const url = cleanText(read(v, "schemaUrl"), counts);
  const out = resourceFromAttributes(
    attrs,
    url === void 0 ? void 0 : { schemaUrl: url }
  );
  if (isObject) verdicts.set(v, out);
  return out;
}
function isCleanScope(v) {
  if (v === lastScope) return true;
  if (typeof v !== "object" || v === null) return false;
  const known = verdicts.get(v);
  if (known !== void 0) {
    if (known === v) lastScope = v;
    return known === v;
  }
  const s = v;
  const clean = typeof s.name === "string" && isCleanText(s.name) && isCleanText(s.version) && isCleanText(s.schemaUrl) && (s.droppedAttributesCount === void 0 || isUint(s.droppedAttributesCount, MAX_U32)) && (s.attributes === void 0 || isCleanAttributes(s.attributes, { units: MAX_RECORD_UNITS }));
  if (!clean) return false;
  verdicts.set(v, v);
  lastScope = v;
  return true;
}
function cleanScope(v, counts) {
  if (safely(isCleanScope, v)) return v;
  const isObject = typeof v === "object" && v !== null;
  const known = isObject ? verdicts.get(v) : void 0;
  if (known !== void 0) return known;
  if (!isObject) counts.type++;
  const out = { name: cleanText(read(v, "name"), counts) ?? "" };
  const version = cleanText(read(v, "version"), counts);
  if (version !== void 0) out.version = version;
  const url = cleanText(read(v, "schemaUrl"), counts);
  if (url !== void 0) out.schemaUrl = url;
  const dropped = read(v, "droppedAttributesCount");
  let n = dropped === void 0 ? 0 : cleanCount(dropped, MAX_U32, counts);
  const attrs = read(v, "attributes");
  if (attrs !== void 0) {
    const copy = {};
    n += copyAttributes(attrs, { units: MAX_RECORD_UNITS }, counts, copy);
    out.attributes = copy;
  }
  if (n > 0) out.droppedAttributesCount = Math.min(MAX_U32, n);
  if (isObject) verdicts.set(v, out);
  return out;
}
function safely(check, v) {
  try {
    return check(v);
  } catch {
    return false;
  }
}

// packages/record-format/src/otlp-json-decode.ts
import { resourceFromAttributes as resourceFromAttributes2 } from "@opentelemetry/resources";
function nanosStringToHrTime(nanos) {
  if (nanos === void 0) return [0, 0];
  const s = String(nanos);
  if (s.length <= 9) return [0, Number(s)];
  return [Number(s.slice(0, -9)), Number(s.slice(-9))];
}
function fromOtlpJsonAnyValue(v) {
  if (v === void 0 || v === null) return void 0;
  const a = v;
  if ("stringValue" in a) return a.stringValue;
  if ("boolValue" in a) return a.boolValue;
  if ("intValue" in a) return Number(a.intValue);
  if ("doubleValue" in a) return Number(a.doubleValue);
  if ("bytesValue" in a) return new Uint8Array(Buffer.from(String(a.bytesValue), "base64"));
  if ("arrayValue" in a) {
    const values = a.arrayValue.values ?? [];
    return values.map(fromOtlpJsonAnyValue);
  }
  if ("kvlistValue" in a) {
    return fromOtlpJsonAttributes(a.kvlistValue.values);
  }
  return null;
}
function fromOtlpJsonAttributes(kvs) {
  const out = {};
  if (kvs === void 0) return out;
  for (const kv of kvs) out[kv.key] = fromOtlpJsonAnyValue(kv.value);
  return out;
}
var OtlpJsonDecoder = class {
  constructor(maxShared = 1024) {
    this.maxShared = maxShared;
  }
  maxShared;
  resources = /* @__PURE__ */ new Map();
  scopes = /* @__PURE__ */ new Map();
  /** Decodes one line of an OTLP/JSON file. Throws on text that is not JSON. */
  decodeLine(line) {
    return this.decode(JSON.parse(line));
  }
  /** Decodes one parsed `LogsData`. */
  decode(data) {
    const out = [];
    for (const rl of data.resourceLogs ?? []) {
      const resource = this.resource(rl.resource?.attributes, rl.schemaUrl);
      for (const sl of rl.scopeLogs ?? []) {
        const scope = this.scope(sl.scope, sl.schemaUrl);
        for (const lr of sl.logRecords ?? []) out.push(decodeRecord(lr, resource, scope));
      }
    }
    return out;
  }
  resource(attrs, schemaUrl) {
    const key = JSON.stringify([attrs ?? [], schemaUrl ?? ""]);
    let r = this.resources.get(key);
    if (r === void 0) {
      const options = schemaUrl ? { schemaUrl } : void 0;
      r = resourceFromAttributes2(fromOtlpJsonAttributes(attrs), options);
      remember(this.resources, key, r, this.maxShared);
    }
    return r;
  }
  scope(s, schemaUrl) {
    const key = JSON.stringify([s ?? {}, schemaUrl ?? ""]);
    let scope = this.scopes.get(key);
    if (scope === void 0) {
      const built = { name: s?.name ?? "" };
      if (s?.version) built.version = s.version;
      if (schemaUrl) built.schemaUrl = schemaUrl;
      if (s?.attributes && s.attributes.length > 0) {
        built.attributes = fromOtlpJsonAttributes(s.attributes);
      }
      if (s?.droppedAttributesCount) built.droppedAttributesCount = s.droppedAttributesCount;
      scope = built;
      remember(this.scopes, key, scope, this.maxShared);
    }
    return scope;
  }
};
function remember(map, key, value, max) {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
var ZERO_TRACE = /^0*$/;
function decodeRecord(lr, resource, scope) {
  const rec2 = {
    hrTime: nanosStringToHrTime(lr.timeUnixNano),
    hrTimeObserved: nanosStringToHrTime(lr.observedTimeUnixNano ?? lr.timeUnixNano),
    resource,
    instrumentationScope: scope,
    attributes: fromOtlpJsonAttributes(lr.attributes),
    droppedAttributesCount: lr.droppedAttributesCount ?? 0
  };
  if (lr.severityNumber !== void 0) {
    rec2.severityNumber = lr.severityNumber;
  }
  if (lr.severityText !== void 0) rec2.severityText = lr.severityText;
  if (lr.body !== void 0) rec2.body = fromOtlpJsonAnyValue(lr.body);
  if (lr.eventName !== void 0) rec2.eventName = lr.eventName;
  if (lr.traceId && lr.spanId && !ZERO_TRACE.test(lr.traceId)) {
    rec2.spanContext = {
      traceId: lr.traceId.toLowerCase(),
      spanId: lr.spanId.toLowerCase(),
      traceFlags: (lr.flags ?? 0) & 255
    };
  }
  return rec2;
}

// packages/record-format/src/otlp-json-encode.ts
var MAX_JSON_DEPTH = 64;
var INT64_LIMIT = 2 ** 63;
function hrTimeToNanosString(t) {
  const [s, ns] = t;
  if (s === 0) return String(ns);
  return String(s) + String(ns).padStart(9, "0");
}
function toOtlpJsonAnyValue(v, depth = 0) {
  if (depth > MAX_JSON_DEPTH) throw new RangeError(`value nested deeper than ${MAX_JSON_DEPTH}`);
  switch (typeof v) {
    case "string":
      return { stringValue: v };
    case "boolean":
      return { boolValue: v };
    case "number":
      if (Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT) {
        return { intValue: String(v) };
      }
      return { doubleValue: Number.isFinite(v) ? v : String(v) };
    case "bigint":
      return { intValue: v.toString() };
    case "object": {
      if (v === null) return {};
      if (v instanceof Uint8Array) {
        return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
      }
      if (Array.isArray(v)) {
        return { arrayValue: { values: v.map((item) => toOtlpJsonAnyValue(item, depth + 1)) } };
      }
      return {
        kvlistValue: { values: toOtlpJsonAttributes(v, depth + 1) }
      };
    }
    default:
      return {};
  }
}
function toOtlpJsonAttributes(attrs, depth = 0) {
  const out = [];
  for (const key in attrs) {
    out.push({ key, value: toOtlpJsonAnyValue(attrs[key], depth) });
  }
  return out;
}
function toOtlpJsonLogRecord(r) {
  const out = {
    timeUnixNano: hrTimeToNanosString(r.hrTime),
    observedTimeUnixNano: hrTimeToNanosString(r.hrTimeObserved)
  };
  if (r.severityNumber !== void 0) out.severityNumber = r.severityNumber;
  if (r.severityText !== void 0) out.severityText = r.severityText;
  if (r.body !== void 0) out.body = toOtlpJsonAnyValue(r.body);
  const attributes = toOtlpJsonAttributes(r.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (r.droppedAttributesCount > 0) out.droppedAttributesCount = r.droppedAttributesCount;
  const sc = r.spanContext;
  if (sc !== void 0) {
    out.flags = sc.traceFlags & 255;
    out.traceId = sc.traceId;
    out.spanId = sc.spanId;
  }
  if (r.eventName !== void 0) out.eventName = r.eventName;
  return out;
}
function toOtlpJsonLogsData(input, substituted = emptySubstitutionCounts()) {
  const records = normalizeLogRecords(input, substituted);
  const byResource = /* @__PURE__ */ new Map();
  for (const r of records) {
    let scopes = byResource.get(r.resource);
    if (scopes === void 0) {
      scopes = /* @__PURE__ */ new Map();
      byResource.set(r.resource, scopes);
    }
    let list = scopes.get(r.instrumentationScope);
    if (list === void 0) {
      list = [];
      scopes.set(r.instrumentationScope, list);
    }
    let encoded;
    try {
      encoded = toOtlpJsonLogRecord(r);
    } catch {
      encoded = toOtlpJsonLogRecord(renormalizeLogRecord(r, substituted));
    }
    list.push(encoded);
  }
  const data = { resourceLogs: [] };
  for (const [resource, scopes] of byResource) {
    const scopeLogs = [];
    for (const [scope, logRecords] of scopes) {
      const s = { name: scope.name };
      if (scope.version !== void 0) s.version = scope.version;
      if (scope.attributes !== void 0) {
        const attrs = toOtlpJsonAttributes(scope.attributes);
        if (attrs.length > 0) s.attributes = attrs;
      }
      if (scope.droppedAttributesCount) s.droppedAttributesCount = scope.droppedAttributesCount;
      const entry = { scope: s, logRecords };
      if (scope.schemaUrl !== void 0) entry.schemaUrl = scope.schemaUrl;
      scopeLogs.push(entry);
    }
    const rl = {
      resource: { attributes: toOtlpJsonAttributes(resource.attributes) },
      scopeLogs
    };
    if (resource.schemaUrl !== void 0) rl.schemaUrl = resource.schemaUrl;
    data.resourceLogs.push(rl);
  }
  return data;
}
function encodeLogsDataLine(records, substituted) {
  return JSON.stringify(toOtlpJsonLogsData(records, substituted));
}

// packages/record-format/src/severity.ts
var SEVERITY_CLASSES = ["trace", "debug", "info", "warn", "error", "fatal"];
var SeverityClass = {
  TRACE: 0,
  DEBUG: 1,
  INFO: 2,
  WARN: 3,
  ERROR: 4,
  FATAL: 5
};
var TEXT_CLASSES = {
  trace: 0,
  finest: 0,
  finer: 0,
  v: 0,
  verbose: 0,
  debug: 1,
  fine: 1,
  d: 1,
  info: 2,
  information: 2,
  notice: 2,
  i: 2,
  warn: 3,
  warning: 3,
  w: 3,
  error: 4,
  err: 4,
  severe: 4,
  e: 4,
  critical: 4,
  crit: 4,
  fatal: 5,
  alert: 5,
  emerg: 5,
  emergency: 5,
  panic: 5,
  f: 5
};
function textClass(text) {
  const key = text.toLowerCase();
  return Object.hasOwn(TEXT_CLASSES, key) ? TEXT_CLASSES[key] : void 0;
}
function severityClassOf(severityNumber, severityText) {
  const n = severityNumber;
  if (typeof n === "number" && n >= 1 && n <= 24 && Math.floor(n) === n) {
    return n - 1 >> 2;
  }
  if (typeof severityText === "string") {
    const c = textClass(severityText);
    if (c !== void 0) return c;
  }
  return SeverityClass.INFO;
}
function severityNumberOfClass(cls) {
  return cls * 4 + 1;
}

// packages/disk-buffer/src/internal/wal-format.ts
var SEGMENT_MAGIC = 1280790611;
var SEGMENT_VERSION = 1;
var SEGMENT_HEADER_BYTES = 32;
var FRAME_MAGIC = 1380339795;
var FRAME_HEADER_BYTES = 24;
var MAX_FRAME_PAYLOAD = 64 * 1024 * 1024;
var MIN_RECORD_BYTES = 16;
var SEGMENT_RE = /^(\d{12})\.wal$/;
function segmentFileName(seq) {
  return `${String(seq).padStart(12, "0")}.wal`;
}
function parseSegmentFileName(name) {
  const m = SEGMENT_RE.exec(name);
  return m ? Number(m[1]) : void 0;
}
function writeU64(buf, v, at) {
  buf.writeUInt32LE(v % 4294967296, at);
  buf.writeUInt32LE(Math.floor(v / 4294967296), at + 4);
}
function readU64(buf, at) {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 4294967296;
}
function encodeSegmentHeader(seq, createdMs) {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32LE(SEGMENT_MAGIC, 0);
  b[4] = SEGMENT_VERSION;
  writeU64(b, seq, 8);
  writeU64(b, createdMs, 16);
  b.writeUInt32LE(crc322(b, 0, 24), 24);
  return b;
}
function parseSegmentHeader(b) {
  if (b.length < SEGMENT_HEADER_BYTES || b.readUInt32LE(0) !== SEGMENT_MAGIC) {
    return { state: "damaged" };
  }
  if (b.readUInt32LE(24) !== crc322(b, 0, 24)) return { state: "damaged" };
  if (b[4] !== SEGMENT_VERSION) return { state: "unknown-version", version: b[4] };
  return { state: "ok", seq: readU64(b, 8) };
}
function sealFrame(frame, count, firstIndex) {
  frame.writeUInt32LE(FRAME_MAGIC, 0);
  frame.writeUInt32LE(frame.length - FRAME_HEADER_BYTES, 8);
  frame.writeUInt32LE(count, 12);
  writeU64(frame, firstIndex, 16);
  frame.writeUInt32LE(crc322(frame, 8, frame.length), 4);
}
function parseFrameHeader(b, at) {
  if (b.readUInt32LE(at) !== FRAME_MAGIC) return void 0;
  const length = b.readUInt32LE(at + 8);
  const count = b.readUInt32LE(at + 12);
  if (length === 0 || length > MAX_FRAME_PAYLOAD || count === 0) return void 0;
  if (count > Math.floor(length / MIN_RECORD_BYTES)) return void 0;
  return { length, count, firstIndex: readU64(b, at + 16), checksum: b.readUInt32LE(at + 4) };
}

// packages/disk-buffer/src/internal/checkpoint.ts
var CHECKPOINT_FILE = "checkpoint";
var MAGIC = 1262702675;
var VERSION = 1;
var BYTES = 32;
function encodeCheckpoint(cp) {
  const b = Buffer.alloc(BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b[4] = VERSION;
  b[5] = cp.kind === "wal" ? 0 : 1;
  b.writeUInt32LE(cp.seq % 4294967296, 8);
  b.writeUInt32LE(Math.floor(cp.seq / 4294967296), 12);
  b.writeUInt32LE(cp.position % 4294967296, 16);
  b.writeUInt32LE(Math.floor(cp.position / 4294967296), 20);
  b.writeUInt32LE(crc322(b, 0, 24), 24);
  return b;
}
function readCheckpointSync(directory) {
  let b;
  try {
    b = fs.readFileSync(join2(directory, CHECKPOINT_FILE));
  } catch (err) {
    if (err.code === "ENOENT") return { state: "missing" };
    return { state: "corrupt", reason: err.message };
  }
  if (b.length !== BYTES)
    return { state: "corrupt", reason: `${b.length} bytes, expected ${BYTES}` };
  if (b.readUInt32LE(0) !== MAGIC) return { state: "corrupt", reason: "bad magic" };
  if (b[4] !== VERSION) return { state: "corrupt", reason: `unknown version ${b[4]}` };
  if (b.readUInt32LE(24) !== crc322(b, 0, 24))
    return { state: "corrupt", reason: "checksum mismatch" };
  return {
    state: "ok",
    checkpoint: {
      kind: b[5] === 0 ? "wal" : "spill",
      seq: readU64(b, 8),
      position: readU64(b, 16)
    }
  };
}
var CheckpointStore = class {
  constructor(directory, durable) {
    this.directory = directory;
    this.durable = durable;
  }
  directory;
  durable;
  writing;
  next;
  last;
  /** Persists `cp` (or a later one) and resolves when it is on disk. */
  save(cp) {
    this.next = cp;
    this.writing ??= this.drain().finally(() => {
      this.writing = void 0;
    });
    return this.writing;
  }
  async drain() {
    while (this.next !== void 0) {
      const cp = this.next;
      this.next = void 0;
      if (this.last !== void 0 && this.last.seq === cp.seq && this.last.kind === cp.kind && this.last.position === cp.position) {
        continue;
      }
      await this.write(cp);
      this.last = cp;
    }
  }
  async write(cp) {
    const tmp = join2(this.directory, `${CHECKPOINT_FILE}.tmp`);
    const fh = await fs.promises.open(tmp, "w", 384);
    try {
      await fh.writeFile(encodeCheckpoint(cp));
      if (this.durable) await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, join2(this.directory, CHECKPOINT_FILE));
    if (this.durable) {
      const dir2 = await fs.promises.open(this.directory, "r");
      try {
        await dir2.sync();
      } finally {
        await dir2.close();
      }
    }
  }
};

// packages/disk-buffer/src/internal/severity-counts.ts
var UNKNOWN = SEVERITY_CLASSES.length;
function emptyCounts() {
  return new Array(UNKNOWN + 1).fill(0);
}
function countSeverities(records, into = emptyCounts()) {
  for (const r of records) {
    into[severityClassOf(r.severityNumber, r.severityText)]++;
  }
  return into;
}
function addCounts(into, from, sign = 1) {
  for (let i = 0; i < into.length; i++) into[i] = Math.max(0, into[i] + sign * (from[i] ?? 0));
}
function total(c) {
  let n = 0;
  for (const v of c) n += v;
  return n;
}
function severityRecord(c) {
  const out = { unknown: c[UNKNOWN] ?? 0 };
  SEVERITY_CLASSES.forEach((name, i) => {
    out[name] = c[i] ?? 0;
  });
  return out;
}

// packages/disk-buffer/src/internal/counters.ts
var Counters = class {
  accepted = 0;
  delivered = 0;
  retries = 0;
  dropped = { disk_full: 0, corrupt: 0, expired: 0 };
  droppedBySeverity = emptyCounts();
  corruptFrames = 0;
  truncatedBytes = 0;
  /** Files left alone: non-regular files under a buffer name, segments of an unknown version. */
  skippedFiles = 0;
  lastError;
  warned = /* @__PURE__ */ new Set();
  /** Counts `count` lost records; those `severities` does not cover count as `unknown`. */
  drop(reason, count, severities) {
    if (count <= 0) return;
    this.dropped[reason] += count;
    const known = severities ? Math.min(total(severities), count) : 0;
    if (severities && known === total(severities)) addCounts(this.droppedBySeverity, severities);
    else if (severities) {
      this.droppedBySeverity[UNKNOWN] += count;
      return;
    }
    this.droppedBySeverity[UNKNOWN] += count - known;
  }
  /**
   * Notes a file the buffer will not read or delete, and warns about it once per path
   * (`process.emitWarning`: printed by default, observable with `process.on('warning')`).
   */
  skip(path, why) {
    this.skippedFiles++;
    this.warn(path, why);
  }
  /** Warns once per path, and records it as the last error. */
  warn(path, why) {
    const message = `${path}: ${why}`;
    this.error(new Error(message));
    if (this.warned.has(path)) return;
    this.warned.add(path);
    process.emitWarning(message, { type: "SpillwayWarning", code: "SPILLWAY_DISK_BUFFER_FILE" });
  }
  error(err) {
    this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
};

// packages/disk-buffer/src/internal/dir-lock.ts
import * as fs3 from "node:fs";
import { hostname as hostname2 } from "node:os";
import { join as join5 } from "node:path";

// packages/disk-buffer/src/internal/directory-listing.ts
import * as fs2 from "node:fs";
import { join as join4 } from "node:path";

// packages/file-exporter/src/compressed-file-writer.ts
import { open, rm } from "node:fs/promises";

// packages/file-exporter/src/internal/frame-buffer.ts
var SLACK = 1024 * 1024;
var MAX_CAPACITY = 256 * 1024 * 1024;
var FrameBuffer = class {
  buf;
  used = 0;
  /** A buffer for a frame of about `frameBytes`, or for `minBytes` if larger. */
  constructor(frameBytes, minBytes = 0) {
    this.buf = Buffer.allocUnsafeSlow(
      Math.max(Math.min(frameBytes + SLACK, MAX_CAPACITY), minBytes)
    );
  }
  get bytes() {
    return this.used;
  }
  /** Whether a string of `text` fits in what is left. */
  fits(text) {
    const left = this.buf.length - this.used;
    return text.length * 3 <= left || Buffer.byteLength(text, "utf8") <= left;
  }
  /** Appends `text` as UTF-8 (check {@link fits} first) and returns its byte length. */
  append(text) {
    const n = this.buf.write(text, this.used, "utf8");
    this.used += n;
    return n;
  }
  /** The filled bytes (a view: append nothing afterwards). */
  contents() {
    return this.buf.subarray(0, this.used);
  }
  /** Empties the buffer for reuse. */
  reset() {
    this.used = 0;
    return this;
  }
};
var FrameBufferPool = class {
  constructor(frameBytes) {
    this.frameBytes = frameBytes;
  }
  frameBytes;
  spare = [];
  take(minBytes = 0) {
    const i = this.spare.findIndex((f) => f.buf.length >= minBytes);
    if (i !== -1) return this.spare.splice(i, 1)[0].reset();
    return new FrameBuffer(this.frameBytes, minBytes);
  }
  give(frame) {
    if (frame === void 0 || this.spare.length >= 2) return;
    if (frame.buf.length > this.frameBytes + 2 * 1024 * 1024) return;
    this.spare.push(frame.reset());
  }
};
function countLines(text) {
  let n = 0;
  if (typeof text === "string") {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  } else {
    for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++;
  }
  return n;
}

// packages/file-exporter/src/internal/frame-header.ts
var FRAME_HEADER_BYTES2 = 56;
var SKIPPABLE_MAGIC = 407710298;
var FRAME_HEADER_VERSION = 1;
var PAYLOAD_BYTES = FRAME_HEADER_BYTES2 - 8;
var TAG = 1212569427;
var FRAME_HEADER_PREFIX = (() => {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  b.writeUInt32LE(PAYLOAD_BYTES, 4);
  b.writeUInt32LE(TAG, 8);
  return b;
})();
function encodeFrameHeader(h) {
  const b = Buffer.alloc(FRAME_HEADER_BYTES2);
  FRAME_HEADER_PREFIX.copy(b, 0);
  b.writeUInt8(FRAME_HEADER_VERSION, 12);
  b.writeUInt8(h.maxSeverity, 13);
  b.writeUInt32LE(h.dataLength, 16);
  b.writeUInt32LE(h.rawLength, 20);
  b.writeUInt32LE(h.records, 24);
  b.writeUInt32LE(h.lines, 28);
  b.writeBigUInt64LE(h.minTimeUnixNano, 32);
  b.writeBigUInt64LE(h.maxTimeUnixNano, 40);
  b.writeUInt32LE(h.checksum >>> 0, 48);
  b.writeUInt32LE(crc322(b.subarray(0, 52)), 52);
  return b;
}
function decodeFrameHeader(b) {
  if (b.length < FRAME_HEADER_BYTES2) {
    return { ok: false, reason: `truncated header (${b.length} of ${FRAME_HEADER_BYTES2} bytes)` };
  }
  if (!b.subarray(0, 12).equals(FRAME_HEADER_PREFIX)) return { ok: false, reason: "bad magic" };
  const version = b.readUInt8(12);
  if (version !== FRAME_HEADER_VERSION) return { ok: false, reason: `unknown version ${version}` };
  const stored = b.readUInt32LE(52);
  const actual = crc322(b.subarray(0, 52));
  if (stored !== actual) {
    return {
      ok: false,
      reason: `header checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`
    };
  }
  return {
    ok: true,
    header: {
      maxSeverity: b.readUInt8(13),
      dataLength: b.readUInt32LE(16),
      rawLength: b.readUInt32LE(20),
      records: b.readUInt32LE(24),
      lines: b.readUInt32LE(28),
      minTimeUnixNano: b.readBigUInt64LE(32),
      maxTimeUnixNano: b.readBigUInt64LE(40),
      checksum: b.readUInt32LE(48)
    }
  };
}
function hex(n) {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

// packages/file-exporter/src/internal/index-file.ts
var INDEX_HEADER_BYTES = 16;
var INDEX_ENTRY_BYTES = 52;
var INDEX_VERSION = 1;
var INDEX_MAGIC = Buffer.from("SWIX", "latin1");
function encodeIndexHeader() {
  const b = Buffer.alloc(INDEX_HEADER_BYTES);
  INDEX_MAGIC.copy(b, 0);
  b.writeUInt8(INDEX_VERSION, 4);
  b.writeUInt16LE(INDEX_ENTRY_BYTES, 6);
  return b;
}
function encodeIndexEntry(e) {
  const b = Buffer.alloc(INDEX_ENTRY_BYTES);
  b.writeBigUInt64LE(BigInt(e.offset), 0);
  b.writeUInt32LE(e.length, 8);
  b.writeUInt32LE(e.rawLength, 12);
  b.writeUInt32LE(e.records, 16);
  b.writeUInt32LE(e.lines, 20);
  b.writeBigUInt64LE(e.minTimeUnixNano, 24);
  b.writeBigUInt64LE(e.maxTimeUnixNano, 32);
  b.writeUInt32LE(e.checksum >>> 0, 40);
  b.writeUInt8(e.maxSeverity, 44);
  b.writeUInt32LE(crc322(b.subarray(0, 48)), 48);
  return b;
}
function decodeIndex(b) {
  if (b.length < INDEX_HEADER_BYTES) return { entries: [], problem: "truncated index header" };
  if (!b.subarray(0, 4).equals(INDEX_MAGIC)) return { entries: [], problem: "bad index magic" };
  const version = b.readUInt8(4);
  if (version !== INDEX_VERSION)
    return { entries: [], problem: `unknown index version ${version}` };
  if (b.readUInt16LE(6) !== INDEX_ENTRY_BYTES) return { entries: [], problem: "bad entry size" };
  const entries = [];
  let p = INDEX_HEADER_BYTES;
  for (; p + INDEX_ENTRY_BYTES <= b.length; p += INDEX_ENTRY_BYTES) {
    const e = b.subarray(p, p + INDEX_ENTRY_BYTES);
    if (e.readUInt32LE(48) !== crc322(e.subarray(0, 48))) {
      return { entries, problem: `entry ${entries.length} checksum mismatch at index offset ${p}` };
    }
    entries.push({
      offset: Number(e.readBigUInt64LE(0)),
      length: e.readUInt32LE(8),
      rawLength: e.readUInt32LE(12),
      records: e.readUInt32LE(16),
      lines: e.readUInt32LE(20),
      minTimeUnixNano: e.readBigUInt64LE(24),
      maxTimeUnixNano: e.readBigUInt64LE(32),
      checksum: e.readUInt32LE(40),
      maxSeverity: e.readUInt8(44)
    });
  }
  if (p !== b.length) return { entries, problem: `torn index entry at index offset ${p}` };
  return { entries };
}

// packages/file-exporter/src/record-metadata.ts
function effectiveSeverity(severityNumber, text) {
  if (severityNumber !== void 0 && severityNumber >= 1 && severityNumber <= 24) {
    return severityNumber;
  }
  return severityNumberOfClass(severityClassOf(severityNumber, text));
}
function hrToNanos(t) {
  return BigInt(t[0]) * 1000000000n + BigInt(t[1]);
}
function jsonRecordTimeNanos(lr) {
  const t = lr.timeUnixNano && lr.timeUnixNano !== "0" ? lr.timeUnixNano : lr.observedTimeUnixNano;
  return t ? BigInt(t) : 0n;
}
function emptyMetadata() {
  return { records: 0, minTimeUnixNano: 0n, maxTimeUnixNano: 0n, maxSeverity: 0 };
}
function mergeMetadata(a, b) {
  if (b.records === 0) return a;
  if (a.records === 0 || b.minTimeUnixNano < a.minTimeUnixNano)
    a.minTimeUnixNano = b.minTimeUnixNano;
  if (a.records === 0 || b.maxTimeUnixNano > a.maxTimeUnixNano)
    a.maxTimeUnixNano = b.maxTimeUnixNano;
  if (b.maxSeverity > a.maxSeverity) a.maxSeverity = b.maxSeverity;
  a.records += b.records;
  return a;
}
function metadataOfRecords(records) {
  const m = emptyMetadata();
  let min;
  let max;
  for (const r of records) {
    const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
    if (min === void 0 || t[0] < min[0] || t[0] === min[0] && t[1] < min[1]) min = t;
    if (max === void 0 || t[0] > max[0] || t[0] === max[0] && t[1] > max[1]) max = t;
    const s = effectiveSeverity(r.severityNumber, r.severityText);
    if (s > m.maxSeverity) m.maxSeverity = s;
  }
  m.records = records.length;
  if (min !== void 0 && max !== void 0) {
    m.minTimeUnixNano = hrToNanos(min);
    m.maxTimeUnixNano = hrToNanos(max);
  }
  return m;
}

// packages/file-exporter/src/zstd-codec.ts
import * as zlib2 from "node:zlib";
var nodeZstd = zlib2.zstdCompress ? zlib2 : void 0;
var ZSTD_C_COMPRESSION_LEVEL = zlib2.constants.ZSTD_c_compressionLevel ?? 100;
var mongo;
function loadMongo() {
  mongo ??= import("@mongodb-js/zstd");
  return mongo;
}
var DEFAULT_ZSTD_LEVEL = 3;
function zstdCompress2(buf, level = DEFAULT_ZSTD_LEVEL) {
  if (nodeZstd) {
    const z = nodeZstd;
    return new Promise((resolve2, reject) => {
      z.zstdCompress(
        buf,
        { params: { [ZSTD_C_COMPRESSION_LEVEL]: level } },
        (err, out) => err ? reject(err) : resolve2(out)
      );
    });
  }
  return loadMongo().then((m) => m.compress(buf, level));
}
function zstdDecompress(buf) {
  if (nodeZstd) {
    const z = nodeZstd;
    return new Promise((resolve2, reject) => {
      z.zstdDecompress(buf, (err, out) => err ? reject(err) : resolve2(out));
    });
  }
  return loadMongo().then((m) => m.decompress(buf));
}

// packages/file-exporter/src/compressed-file-writer.ts
var DEFAULT_FRAME_BYTES = 16 * 1024 * 1024;
var CompressedFileWriter = class _CompressedFileWriter {
  constructor(path, fh, idx, frameBytes, level) {
    this.path = path;
    this.fh = fh;
    this.idx = idx;
    this.frameBytes = frameBytes;
    this.level = level;
    this.buffers = new FrameBufferPool(frameBytes);
  }
  path;
  fh;
  idx;
  frameBytes;
  level;
  /** Sealed parts of the pending frame (adopted Buffers, filled FrameBuffers). */
  parts = [];
  /** Where strings of the pending frame are encoded. */
  frame;
  /** FrameBuffers sealed into the pending frame, recycled once it is written. */
  sealed = [];
  buffers;
  pendingBytes = 0;
  pendingLines = 0;
  pendingMeta = emptyMetadata();
  tail = Promise.resolve();
  failure;
  closed = false;
  size = 0;
  indexSize = INDEX_HEADER_BYTES;
  frames = 0;
  raw = 0;
  records = 0;
  queued = 0;
  /**
   * Creates the file at `path` (which must not exist) and its `<path>.idx` sidecar, both with mode
   * 0600 by default.
   */
  static async create(path, options = {}) {
    const mode = options.mode ?? 384;
    const fh = await open(path, "wx", mode);
    let idx;
    try {
      idx = await open(`${path}.idx`, "w", mode);
      await idx.write(encodeIndexHeader(), 0, INDEX_HEADER_BYTES, 0);
    } catch (err) {
      await Promise.allSettled([fh.close(), idx?.close()]);
      await Promise.allSettled([rm(path, { force: true }), rm(`${path}.idx`, { force: true })]);
      throw err;
    }
    const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
    return new _CompressedFileWriter(path, fh, idx, frameBytes, options.level ?? DEFAULT_ZSTD_LEVEL);
  }
  /** Bytes of the .zst file written so far (frames still compressing not included). */
  get bytesOnDisk() {
    return this.size;
  }
  /** Raw bytes of the frames written so far. */
  get bytesRaw() {
    return this.raw;
  }
  /** Frames written so far. */
  get framesWritten() {
    return this.frames;
  }
  /** Records in the frames written so far. */
  get recordsWritten() {
    return this.records;
  }
  /** Raw bytes appended but not yet in a frame. */
  get bytesPending() {
    return this.pendingBytes;
  }
  /** Raw bytes of frames cut but not yet written (compressing or queued). */
  get bytesQueued() {
    return this.queued;
  }
  /**
   * Appends `records` as one OTLP/JSON `LogsData` line. Cuts a frame (asynchronously) when the
   * frame reaches `frameBytes`. Throws if the writer is closed or a previous write failed.
   */
  appendRecords(records) {
    if (records.length === 0) return;
    this.check();
    this.append(`${encodeLogsDataLine(records)}
`, 1, metadataOfRecords(records));
  }
  /**
   * Appends pre-encoded OTLP/JSON lines — complete lines, each ending with `\n` — with their
   * metadata (see `metadataOfRecords`/`metadataOfLogsData`; `meta.lines` saves counting them).
   * All lines given in one call stay in one frame; a Buffer is kept as is, not copied.
   */
  appendLines(lines, meta) {
    this.check();
    if (lines.length === 0) return;
    const last = typeof lines === "string" ? lines.charCodeAt(lines.length - 1) : lines[lines.length - 1];
    if (last !== 10) throw new Error(`${this.path}: lines must end with "\\n"`);
    this.append(lines, meta.lines ?? countLines(lines), meta);
  }
  append(text, lines, meta) {
    if (typeof text === "string") {
      if (this.frame && !this.frame.fits(text)) this.seal();
      this.frame ??= this.buffers.take(Buffer.byteLength(text, "utf8"));
      this.pendingBytes += this.frame.append(text);
    } else {
      this.seal();
      this.parts.push(text);
      this.pendingBytes += text.length;
    }
    this.pendingLines += lines;
    mergeMetadata(this.pendingMeta, meta);
    if (this.pendingBytes >= this.frameBytes) void this.cutFrame().catch(() => {
    });
  }
  seal() {
    if (this.frame && this.frame.bytes > 0) {
      this.parts.push(this.frame.contents());
      this.sealed.push(this.frame);
    }
    this.frame = void 0;
  }
  /**
   * Cuts the pending lines into a frame now (no-op when none) and resolves when every frame cut so
   * far is written (not fsynced: see {@link sync}).
   */
  cutFrame() {
    if (this.pendingBytes > 0) {
      this.seal();
      const raw = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
      const meta = this.pendingMeta;
      const lines = this.pendingLines;
      const sealed = this.sealed;
      this.sealed = [];
      this.parts = [];
      this.pendingBytes = 0;
      this.pendingLines = 0;
      this.pendingMeta = emptyMetadata();
      this.queued += raw.length;
      const compressed = zstdCompress2(raw, this.level);
      compressed.catch(() => {
      });
      this.tail = this.tail.then(async () => {
        try {
          const data = await compressed;
          if (!this.failure) await this.writeFrame(data, raw.length, lines, meta);
        } catch (err) {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
        } finally {
          for (const f of sealed) this.buffers.give(f);
          this.queued -= raw.length;
        }
      });
    }
    return this.tail.then(() => {
      if (this.failure) throw this.failure;
    });
  }
  /** Cuts the pending frame, writes it, and fsyncs the file and its index. */
  async sync() {
    await this.cutFrame();
    await this.fh.sync();
    await this.idx.sync();
  }
  /** {@link sync}, then closes both files. Idempotent. */
  async close() {
    if (this.closed) return this.tail;
    let err;
    try {
      await this.sync();
    } catch (e) {
      err = e;
    }
    this.closed = true;
    await Promise.allSettled([this.fh.close(), this.idx.close()]);
    if (err) throw err;
  }
  check() {
    if (this.closed) throw new Error(`${this.path}: writer is closed`);
    if (this.failure) throw this.failure;
  }
  async writeFrame(data, rawLength, lines, meta) {
    const checksum = crc322(data);
    const header = encodeFrameHeader({
      ...meta,
      dataLength: data.length,
      rawLength,
      lines,
      checksum
    });
    const info = {
      ...meta,
      frameIndex: this.frames,
      offset: this.size,
      length: FRAME_HEADER_BYTES2 + data.length,
      rawLength,
      lines,
      checksum
    };
    const { bytesWritten } = await this.fh.writev([header, data], this.size);
    if (bytesWritten !== info.length) {
      throw new Error(
        `${this.path}: short write at offset ${this.size}: ${bytesWritten} of ${info.length} bytes`
      );
    }
    this.size += info.length;
    const entry = encodeIndexEntry(info);
    await this.idx.write(entry, 0, entry.length, this.indexSize);
    this.indexSize += entry.length;
    this.frames++;
    this.raw += rawLength;
    this.records += meta.records;
  }
};

// packages/file-exporter/src/compressed-files.ts
import { readdir, stat } from "node:fs/promises";
import { join as join3 } from "node:path";
var NAME = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?\.zst$/;
function sanitizeServiceName(name) {
  const s = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return s === "" || s === "." || s === ".." ? "unknown_service" : s;
}
function compressedFileName(service, timeMs, n = 0) {
  const iso = new Date(timeMs).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${sanitizeServiceName(service)}-${stamp}${n > 0 ? `-${n}` : ""}.zst`;
}
function parseCompressedFileName(name) {
  const m = NAME.exec(name);
  if (!m) return void 0;
  const [, service, y, mo, d, h, mi, s, n] = m;
  const createdAt = /* @__PURE__ */ new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(createdAt.getTime())) return void 0;
  return { service, createdAt, n: n ? Number(n) : 0 };
}
async function listCompressedFiles(dir2, options = {}) {
  const names = (await readdir(dir2)).filter((n) => n.endsWith(".zst"));
  const entries = [];
  for (const name of names) {
    const path = join3(dir2, name);
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      const code = err.code;
      if (code !== "ENOENT") unreadable2(path, `cannot be looked at (${code})`, options);
      continue;
    }
    if (!st.isFile()) {
      unreadable2(
        path,
        `${st.isDirectory() ? "a directory" : st.isFIFO() ? "a FIFO" : "a special file"}, not a file: skipped`,
        options
      );
      continue;
    }
    let indexSize = 0;
    try {
      indexSize = (await stat(`${path}.idx`)).size;
    } catch {
    }
    const parsed = parseCompressedFileName(name);
    const e = {
      path,
      name,
      size: st.size,
      indexSize,
      mtimeMs: st.mtimeMs,
      sortKey: parsed ? parsed.createdAt.getTime() : st.mtimeMs,
      n: parsed?.n ?? 0
    };
    if (parsed) {
      e.service = parsed.service;
      e.createdAt = parsed.createdAt;
    }
    entries.push(e);
  }
  entries.sort((a, b) => a.sortKey - b.sortKey || a.n - b.n || a.name.localeCompare(b.name));
  return entries.map(({ sortKey: _k, n: _n, ...e }) => e);
}
function unreadable2(path, message, options) {
  options.onProblem?.({
    kind: "unreadable",
    path,
    offset: 0,
    length: 0,
    records: 0,
    message: `${path}: ${message}`
  });
}

// packages/file-exporter/src/internal/lost-records.ts
var ZSTD_MAGIC = Buffer.from([40, 181, 47, 253]);
var SKIPPABLE_MAGIC2 = Buffer.from([90, 42, 77, 24]);
function occurrences(b, needle) {
  let n = 0;
  for (let i = b.indexOf(needle); i !== -1; i = b.indexOf(needle, i + 1)) n++;
  return n;
}
var IndexHints = class {
  byOffset = /* @__PURE__ */ new Map();
  constructor(entries) {
    for (const e of entries) {
      if (e.length > FRAME_HEADER_BYTES2 && !this.byOffset.has(e.offset))
        this.byOffset.set(e.offset, e);
    }
  }
  /** Index entries chained from `from` that end at or before `until`. */
  chain(from, until) {
    const out = { frames: 0, records: 0, maxSeverity: 0, end: from };
    for (let e = this.byOffset.get(from); e && e.offset + e.length <= until; ) {
      out.frames++;
      out.records += e.records;
      out.maxSeverity = Math.max(out.maxSeverity, e.maxSeverity);
      out.end = e.offset + e.length;
      e = this.byOffset.get(out.end);
    }
    return out;
  }
};
function lostInRange(hints, range, from, until, torn, tornHeader) {
  const c = hints.chain(from, torn ? Number.POSITIVE_INFINITY : until);
  if (c.frames > 0 && (torn || c.end === until)) {
    return { records: c.records, maxSeverity: c.maxSeverity };
  }
  const evidence = Math.max(
    occurrences(range, ZSTD_MAGIC),
    occurrences(range, SKIPPABLE_MAGIC2),
    range.length >= FRAME_HEADER_BYTES2 || tornHeader ? 1 : 0
  );
  if (c.frames === 0 && evidence === 0) return { records: 0 };
  const lost = {
    records: c.records + Math.max(0, evidence - c.frames),
    recordsUnknown: true
  };
  if (c.frames > 0) lost.maxSeverity = c.maxSeverity;
  return lost;
}

// packages/file-exporter/src/internal/regular-file.ts
import { constants as constants2 } from "node:fs";
import { open as open2 } from "node:fs/promises";
var NotReadableFileError = class extends Error {
  name = "NotReadableFileError";
};
function kindOf(st) {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}
async function openRegularFile(path) {
  let fh;
  try {
    fh = await open2(path, constants2.O_RDONLY | constants2.O_NONBLOCK);
  } catch (err) {
    const code = err.code;
    if (code === "ENOENT") throw err;
    throw new NotReadableFileError(`${path}: cannot be opened (${code ?? err.message})`);
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new NotReadableFileError(`${path}: ${kindOf(st)}, not a file`);
  }
  return fh;
}
async function readRegularFile(path) {
  let fh;
  try {
    fh = await openRegularFile(path);
  } catch {
    return void 0;
  }
  try {
    return await fh.readFile();
  } catch {
    return void 0;
  } finally {
    await fh.close();
  }
}

// packages/file-exporter/src/internal/frame-table.ts
var RESYNC_CHUNK = 1024 * 1024;
async function loadFrameTable(path, options = {}) {
  let fh;
  try {
    fh = await openRegularFile(path);
  } catch (err) {
    if (err instanceof NotReadableFileError) return unreadableTable(path, err.message);
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const table2 = { path, size, frames: [], problems: [], indexedFrames: 0 };
    const index = await readIndex(path);
    let from = 0;
    if (options.useIndex !== false) from = fromIndex(table2, index);
    await scanFrom(fh, table2, from, new IndexHints(index?.entries ?? []));
    return table2;
  } finally {
    await fh.close();
  }
}
async function unreadableTable(path, message) {
  const index = await readIndex(path);
  const problem = {
    kind: "unreadable",
    path,
    offset: 0,
    length: 0,
    records: 0,
    message
  };
  if (index && index.entries.length > 0) {
    problem.records = index.entries.reduce((n, e) => n + e.records, 0);
    problem.maxSeverity = Math.max(...index.entries.map((e) => e.maxSeverity));
  }
  return { path, size: 0, frames: [], problems: [problem], indexedFrames: 0 };
}
async function readIndex(path) {
  const bytes = await readRegularFile(`${path}.idx`);
  return bytes === void 0 ? void 0 : decodeIndex(bytes);
}
function fromIndex(table2, index) {
  const { size } = table2;
  if (index === void 0) {
    if (size > 0) indexProblem(table2, "index missing: frames found by scanning");
    return 0;
  }
  const { entries, problem } = index;
  let end = 0;
  for (const e of entries) {
    if (e.offset !== end || e.offset + e.length > size || e.length <= FRAME_HEADER_BYTES2) {
      indexProblem(
        table2,
        `index entry ${table2.frames.length} does not match the file (offset ${e.offset}, length ${e.length}, file ${size} bytes): rest scanned`
      );
      table2.indexedFrames = table2.frames.length;
      return end;
    }
    table2.frames.push({ ...e, frameIndex: table2.frames.length });
    end = e.offset + e.length;
  }
  table2.indexedFrames = table2.frames.length;
  if (problem) indexProblem(table2, `${problem}: rest scanned`);
  else if (end < size)
    indexProblem(table2, `index stale: covers ${end} of ${size} bytes, rest scanned`);
  return end;
}
function indexProblem(table2, message) {
  table2.problems.push({
    kind: "index",
    path: table2.path,
    offset: 0,
    length: 0,
    records: 0,
    message
  });
}
async function readAt(fh, pos, len) {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}
async function scanFrom(fh, table2, start, hints) {
  const { path, size } = table2;
  let p = start;
  while (p < size) {
    const head = await readAt(fh, p, FRAME_HEADER_BYTES2);
    const parsed = decodeFrameHeader(head);
    if (parsed.ok) {
      const h = parsed.header;
      const length = FRAME_HEADER_BYTES2 + h.dataLength;
      const end = p + length;
      if (end <= size && await leadsToFrame(fh, end, size)) {
        table2.frames.push(frameOf(table2.frames.length, p, length, h));
        p = end;
        continue;
      }
      const next2 = await resync(fh, p + 1, size);
      if (end <= size && next2 >= end) {
        table2.frames.push(frameOf(table2.frames.length, p, length, h));
        p = end;
        continue;
      }
      const torn = next2 === size;
      const chained = hints.chain(p, torn ? Number.POSITIVE_INFINITY : next2);
      const fromIdx = chained.frames > 0 && (torn || chained.end === next2);
      table2.problems.push({
        kind: torn ? "torn" : "corrupt",
        path,
        offset: p,
        length: next2 - p,
        records: fromIdx ? chained.records : h.records,
        maxSeverity: fromIdx ? chained.maxSeverity : h.maxSeverity,
        message: torn ? `torn frame at offset ${p}: header announces ${length} bytes, file ends after ${size - p}` : `frame at offset ${p} lost bytes: header announces ${length} bytes, next frame starts after ${next2 - p}`
      });
      p = next2;
      continue;
    }
    const next = await resync(fh, p + 1, size);
    const tornTail = next === size && head.length < FRAME_HEADER_BYTES2 && isPrefixOfHeader(head);
    const range = await readAt(fh, p, next - p);
    const lost = lostInRange(hints, range, p, next, next === size, tornTail);
    table2.problems.push({
      kind: tornTail ? "torn" : "corrupt",
      path,
      offset: p,
      length: next - p,
      ...lost,
      message: tornTail ? `torn frame header at offset ${p}: ${head.length} bytes at end of file` : `corrupt bytes at offset ${p} (${parsed.reason}): ${next - p} bytes skipped`
    });
    p = next;
  }
  if (table2.problems.some((q) => q.kind !== "index" && q.offset + q.length === size)) return;
  const beyond = hints.chain(size, Number.POSITIVE_INFINITY);
  if (beyond.frames > 0) {
    table2.problems.push({
      kind: "torn",
      path,
      offset: size,
      length: 0,
      records: beyond.records,
      maxSeverity: beyond.maxSeverity,
      message: `file ends at ${size} bytes where its index lists ${beyond.frames} more frames`
    });
  }
}
async function leadsToFrame(fh, at, size) {
  if (at === size) return true;
  const head = await readAt(fh, at, FRAME_HEADER_BYTES2);
  if (head.length < FRAME_HEADER_BYTES2) return isPrefixOfHeader(head);
  return decodeFrameHeader(head).ok;
}
function frameOf(frameIndex, offset, length, h) {
  return {
    frameIndex,
    offset,
    length,
    rawLength: h.rawLength,
    records: h.records,
    lines: h.lines,
    minTimeUnixNano: h.minTimeUnixNano,
    maxTimeUnixNano: h.maxTimeUnixNano,
    maxSeverity: h.maxSeverity,
    checksum: h.checksum
  };
}
function isPrefixOfHeader(b) {
  const n = Math.min(b.length, FRAME_HEADER_PREFIX.length);
  return b.subarray(0, n).equals(FRAME_HEADER_PREFIX.subarray(0, n));
}
async function resync(fh, from, size) {
  const overlap = FRAME_HEADER_BYTES2 - 1;
  for (let pos = from; pos < size; pos += RESYNC_CHUNK) {
    const chunk = await readAt(fh, pos, RESYNC_CHUNK + overlap);
    for (let i = chunk.indexOf(FRAME_HEADER_PREFIX); i !== -1 && i < RESYNC_CHUNK; ) {
      const parsed = decodeFrameHeader(chunk.subarray(i, i + FRAME_HEADER_BYTES2));
      if (parsed.ok || i + FRAME_HEADER_BYTES2 > chunk.length) return pos + i;
      i = chunk.indexOf(FRAME_HEADER_PREFIX, i + 1);
    }
  }
  return size;
}

// packages/file-exporter/src/internal/time-bound.ts
function toNanos(t) {
  if (t === void 0) return void 0;
  if (typeof t === "bigint") return t;
  const ms = typeof t === "number" ? t : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time bound: ${String(t)}`);
  return BigInt(Math.round(ms * 1e3)) * 1000n;
}

// packages/file-exporter/src/frame-reader.ts
function countProblem(stats, p) {
  if (p.kind === "torn") stats.framesTorn++;
  else if (p.kind === "corrupt") stats.framesCorrupt++;
  else if (p.kind === "unreadable") stats.filesUnreadable++;
  if (p.kind !== "index") {
    stats.recordsLost += p.records;
    if (p.recordsUnknown) stats.recordsLostUnknown = true;
  }
  stats.problems.push(p);
}
function frameMatches(f, since, until, minSeverity) {
  if (f.records === 0) return false;
  if (since !== void 0 && f.maxTimeUnixNano < since) return false;
  if (until !== void 0 && f.minTimeUnixNano > until) return false;
  if (minSeverity !== void 0 && f.maxSeverity < minSeverity) return false;
  return true;
}
function readFrameTable(path, options = {}) {
  return loadFrameTable(path, options);
}
async function* readFrames(path, options = {}) {
  const since = toNanos(options.since);
  const until = toNanos(options.until);
  const { minSeverity } = options;
  const stats = options.stats;
  const verify = options.verifyChecksums !== false;
  const report = (p) => {
    if (stats) countProblem(stats, p);
    options.onProblem?.(p);
  };
  let table2 = await loadFrameTable(path);
  let pending = table2.problems.filter((p) => p.kind !== "index");
  for (const p of table2.problems) if (p.kind === "index") report(p);
  const reportUpTo = (offset) => {
    const due = pending.filter((p) => p.offset < offset);
    pending = pending.filter((p) => p.offset >= offset);
    for (const p of due) report(p);
  };
  if (stats) {
    stats.files++;
    stats.framesTotal += table2.frames.length;
  }
  if (table2.problems.some((p) => p.kind === "unreadable")) {
    reportUpTo(Number.POSITIVE_INFINITY);
    return;
  }
  const fh = await openRegularFile(path);
  try {
    let rescanned = false;
    for (let i = 0; i < table2.frames.length; i++) {
      const f = table2.frames[i];
      reportUpTo(f.offset);
      options.onProgress?.(path, f.offset + f.length);
      if (!frameMatches(f, since, until, minSeverity)) {
        if (stats) stats.framesSkipped++;
        continue;
      }
      const bytes = await readAt(fh, f.offset, f.length);
      const header = decodeFrameHeader(bytes.subarray(0, FRAME_HEADER_BYTES2));
      const agrees = header.ok && FRAME_HEADER_BYTES2 + header.header.dataLength === f.length && header.header.checksum === f.checksum;
      if (!agrees && i < table2.indexedFrames && !rescanned) {
        rescanned = true;
        report({
          kind: "index",
          path,
          offset: f.offset,
          length: 0,
          records: 0,
          message: `index entry ${i} disagrees with the frame header at offset ${f.offset}: file rescanned`
        });
        const fresh = await loadFrameTable(path, { useIndex: false });
        pending = fresh.problems.filter((p) => p.kind !== "index" && p.offset >= f.offset);
        const rest = fresh.frames.filter((x) => x.offset >= f.offset);
        table2 = { ...fresh, frames: [...table2.frames.slice(0, i), ...rest], indexedFrames: 0 };
        rest.forEach((x, k) => {
          x.frameIndex = i + k;
        });
        i--;
        continue;
      }
      const data = bytes.subarray(FRAME_HEADER_BYTES2);
      const problem = (message) => report({
        kind: "corrupt",
        path,
        offset: f.offset,
        length: f.length,
        records: f.records,
        maxSeverity: f.maxSeverity,
        message
      });
      if (!agrees) {
        problem(
          `frame ${i} at offset ${f.offset}: ${header.ok ? "header disagrees with index" : header.reason}`
        );
        continue;
      }
      if (verify) {
        const actual = crc322(data);
        if (actual !== f.checksum) {
          problem(
            `frame ${i} at offset ${f.offset}: data checksum mismatch (stored ${hex(f.checksum)}, computed ${hex(actual)})`
          );
          continue;
        }
      }
      let raw;
      try {
        raw = await zstdDecompress(data);
      } catch (err) {
        problem(`frame ${i} at offset ${f.offset}: zstd: ${err.message}`);
        continue;
      }
      if (stats) stats.framesDecoded++;
      if (raw.length !== f.rawLength) {
        problem(
          `frame ${i} at offset ${f.offset}: decompressed to ${raw.length} bytes, header says ${f.rawLength}`
        );
        continue;
      }
      yield {
        path,
        frameIndex: f.frameIndex,
        offset: f.offset,
        length: f.length,
        records: f.records,
        minTimeUnixNano: f.minTimeUnixNano,
        maxTimeUnixNano: f.maxTimeUnixNano,
        maxSeverity: f.maxSeverity,
        rawLength: f.rawLength,
        lines: splitLines(raw)
      };
    }
    reportUpTo(Number.POSITIVE_INFINITY);
  } finally {
    await fh.close();
  }
}
function splitLines(raw) {
  const text = raw.toString("utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// packages/file-exporter/src/log-record-reader.ts
import { stat as stat2 } from "node:fs/promises";
async function compressedFilesOf(pathOrDir, options = {}) {
  let isDir;
  try {
    isDir = (await stat2(pathOrDir)).isDirectory();
  } catch (err) {
    if (err.code === "ENOENT") throw err;
    isDir = false;
  }
  if (isDir) return (await listCompressedFiles(pathOrDir, options)).map((f) => f.path);
  return [pathOrDir];
}
async function* framesOf(pathOrDir, options) {
  const paths = await compressedFilesOf(pathOrDir, {
    onProblem: (p) => {
      if (options.stats) countProblem(options.stats, p);
      options.onProblem?.(p);
    }
  });
  for (const path of paths) {
    try {
      yield* readFrames(path, options);
    } catch (err) {
      if (paths.length > 1 && err.code === "ENOENT") continue;
      throw err;
    }
  }
}
function recordFilter(options, frame) {
  const since = toNanos(options.since);
  const until = toNanos(options.until);
  const needSince = since !== void 0 && frame.minTimeUnixNano < since;
  const needUntil = until !== void 0 && frame.maxTimeUnixNano > until;
  const minSeverity = options.minSeverity;
  const traceId = options.traceId?.toLowerCase();
  if (!needSince && !needUntil && minSeverity === void 0 && traceId === void 0)
    return void 0;
  return (lr) => {
    if (needSince || needUntil) {
      const t = jsonRecordTimeNanos(lr);
      if (needSince && t < since) return false;
      if (needUntil && t > until) return false;
    }
    if (minSeverity !== void 0 && effectiveSeverity(lr.severityNumber, lr.severityText) < minSeverity) {
      return false;
    }
    if (traceId !== void 0 && lr.traceId?.toLowerCase() !== traceId) return false;
    return true;
  };
}
function filterLogsData(data, keep) {
  let kept = 0;
  data.resourceLogs = (data.resourceLogs ?? []).filter((rl) => {
    rl.scopeLogs = (rl.scopeLogs ?? []).filter((sl) => {
      sl.logRecords = (sl.logRecords ?? []).filter(keep);
      kept += sl.logRecords.length;
      return sl.logRecords.length > 0;
    });
    return rl.scopeLogs.length > 0;
  });
  return kept;
}
function parseLine(line, frame, options) {
  try {
    return JSON.parse(line);
  } catch (err) {
    const problem = {
      kind: "corrupt",
      path: frame.path,
      offset: frame.offset,
      length: 0,
      records: 1,
      recordsUnknown: true,
      maxSeverity: frame.maxSeverity,
      message: `frame ${frame.frameIndex} at offset ${frame.offset}: line is not JSON (${err.message})`
    };
    if (options.stats) countProblem(options.stats, problem);
    options.onProblem?.(problem);
    return void 0;
  }
}
async function* readLogRecordBatches(pathOrDir, options = {}) {
  const decoder = new OtlpJsonDecoder();
  for await (const frame of framesOf(pathOrDir, options)) {
    const keep = recordFilter(options, frame);
    for (const line of frame.lines) {
      const data = parseLine(line, frame, options);
      if (data === void 0) continue;
      if (keep !== void 0 && filterLogsData(data, keep) === 0) continue;
      const records = decoder.decode(data);
      if (records.length === 0) continue;
      if (options.stats) options.stats.recordsRead += records.length;
      yield records;
    }
  }
}

// packages/disk-buffer/src/internal/directory-listing.ts
var TEMP_RE = /\.tmp(\.idx)?$/;
function listDirectory(directory, ledger, counters) {
  let maxSeq = 0;
  const names = fs2.readdirSync(directory);
  const regular = /* @__PURE__ */ new Set();
  const stats = /* @__PURE__ */ new Map();
  for (const name of names) {
    const st = fs2.lstatSync(join4(directory, name), { throwIfNoEntry: false });
    if (st === void 0) continue;
    stats.set(name, st);
    if (st.isFile()) regular.add(name);
  }
  const spills = [];
  const segmentNames = [];
  for (const name of names) {
    const path = join4(directory, name);
    const st = stats.get(name);
    if (st === void 0) continue;
    const seq = seqOf(name);
    if (seq !== void 0) maxSeq = Math.max(maxSeq, seq.seq);
    const ours = seq !== void 0 || TEMP_RE.test(name);
    if (!ours) continue;
    if (name.startsWith("lock.")) continue;
    if (!st.isFile()) {
      counters.skip(path, `not a regular file (${kindOf2(st)}): left alone`);
      continue;
    }
    if (TEMP_RE.test(name)) {
      fs2.rmSync(path, { force: true });
      continue;
    }
    if (seq?.kind === "idx") {
      if (!regular.has(name.slice(0, -".idx".length))) fs2.rmSync(path, { force: true });
      continue;
    }
    if (seq?.kind === "wal") {
      segmentNames.push([seq.seq, name]);
      continue;
    }
    if (seq?.kind === "spill") {
      const idx = stats.get(`${name}.idx`);
      const entry = {
        kind: "spill",
        seq: seq.seq,
        path,
        bytes: st.size + (idx?.isFile() ? idx.size : 0),
        records: 0,
        scanned: void 0,
        verified: false,
        evicted: false,
        severities: void 0
      };
      ledger.set(entry);
      spills.push(entry);
    }
  }
  const segments = [];
  for (const [seq, name] of segmentNames) {
    const path = join4(directory, name);
    if (ledger.get(seq) !== void 0) {
      fs2.rmSync(path, { force: true });
      continue;
    }
    const header = readHeader(path);
    if (header.state === "unknown-version") {
      counters.skip(
        path,
        `WAL segment of format version ${header.version} (this release reads version 1): left alone`
      );
      continue;
    }
    const size = stats.get(name).size;
    const entry = {
      kind: "wal",
      seq,
      path,
      bytes: size,
      records: 0,
      written: size,
      closed: true,
      scanned: void 0,
      verified: false,
      evicted: false,
      severities: void 0
    };
    segments.push(entry);
    ledger.set(entry);
  }
  segments.sort((a, b) => a.seq - b.seq);
  spills.sort((a, b) => a.seq - b.seq);
  return { nextSeq: maxSeq + 1, segments, spills };
}
function seqOf(name) {
  const wal = parseSegmentFileName(name);
  if (wal !== void 0) return { seq: wal, kind: "wal" };
  const idx = name.endsWith(".zst.idx");
  const zst = idx ? name.slice(0, -".idx".length) : name;
  if (!zst.endsWith(".zst")) return void 0;
  const n = parseCompressedFileName(zst)?.n;
  if (n === void 0 || n === 0) return void 0;
  return { seq: n, kind: idx ? "idx" : "spill" };
}
function readHeader(path) {
  const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
  let fd;
  try {
    fd = fs2.openSync(path, "r");
    fs2.readSync(fd, head, 0, SEGMENT_HEADER_BYTES, 0);
  } catch {
    return { state: "damaged" };
  } finally {
    if (fd !== void 0) fs2.closeSync(fd);
  }
  return parseSegmentHeader(head);
}
function kindOf2(st) {
  if (st.isDirectory()) return "a directory";
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "a device";
}
function displaceIfNotFile(path) {
  const st = fs2.lstatSync(path, { throwIfNoEntry: false });
  if (st === void 0 || st.isFile()) return void 0;
  const aside = `${path}.displaced-${Date.now()}`;
  try {
    fs2.renameSync(path, aside);
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  return aside;
}

// packages/disk-buffer/src/internal/dir-lock.ts
var LOCK_FILE = "lock";
var HEARTBEAT_MILLIS = 5e3;
var FOREIGN_STALE_MILLIS = 3e4;
var heldHere = /* @__PURE__ */ new Set();
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
function readHolder(path) {
  try {
    const [pidLine, hostLine] = fs3.readFileSync(path, "utf8").split("\n");
    const pid = Number.parseInt(pidLine ?? "", 10);
    return {
      pid: Number.isInteger(pid) && pid > 0 ? pid : void 0,
      host: hostLine?.trim() || void 0,
      ageMillis: Date.now() - fs3.statSync(path).mtimeMs
    };
  } catch {
    return { pid: void 0, host: void 0, ageMillis: Number.POSITIVE_INFINITY };
  }
}
var DirLock = class _DirLock {
  constructor(directory, displaced, takeover) {
    this.directory = directory;
    this.displaced = displaced;
    this.takeover = takeover;
    const path = join5(directory, LOCK_FILE);
    this.heartbeat = setInterval(() => {
      try {
        const now = /* @__PURE__ */ new Date();
        fs3.utimesSync(path, now, now);
      } catch {
      }
    }, HEARTBEAT_MILLIS);
    this.heartbeat.unref();
  }
  directory;
  displaced;
  takeover;
  released = false;
  heartbeat;
  /** Takes the lock or throws {@link DirectoryLockedError} naming the live holder. */
  static acquire(directory) {
    const path = join5(directory, LOCK_FILE);
    const host = hostname2();
    const content = `${process.pid}
${host}
`;
    if (heldHere.has(directory)) throw new DirectoryLockedError(directory, process.pid, host);
    const moved = displaceIfNotFile(path);
    try {
      fs3.writeFileSync(path, content, { flag: "wx", mode: 384 });
      heldHere.add(directory);
      return new _DirLock(directory, moved, void 0);
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    const holder = readHolder(path);
    const sameHost = holder.host === void 0 || holder.host === host;
    let takeover;
    if (holder.pid !== void 0 && !sameHost) {
      if (holder.ageMillis < FOREIGN_STALE_MILLIS) {
        throw new DirectoryLockedError(directory, holder.pid, holder.host);
      }
      takeover = `lock of process ${holder.pid} on host ${holder.host} taken over: not refreshed for ${Math.round(holder.ageMillis / 1e3)} s`;
    } else if (holder.pid !== void 0 && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new DirectoryLockedError(directory, holder.pid, holder.host);
    }
    const tmp = `${path}.${process.pid}.tmp`;
    fs3.writeFileSync(tmp, content, { mode: 384 });
    fs3.renameSync(tmp, path);
    const now = readHolder(path);
    if (now.pid !== process.pid || now.host !== host) {
      throw new DirectoryLockedError(directory, now.pid ?? -1, now.host);
    }
    heldHere.add(directory);
    return new _DirLock(directory, moved, takeover);
  }
  release() {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    heldHere.delete(this.directory);
    const path = join5(this.directory, LOCK_FILE);
    const holder = readHolder(path);
    if (holder.pid === process.pid && holder.host === hostname2()) fs3.rmSync(path, { force: true });
  }
};

// packages/disk-buffer/src/internal/disk-space.ts
import * as fs4 from "node:fs";
var MIN_FREE_INODES = 8;
var DiskSpace = class {
  constructor(directory, refreshMillis = 1e3) {
    this.directory = directory;
    this.refreshMillis = refreshMillis;
    this.refreshSync();
  }
  directory;
  refreshMillis;
  free = Number.POSITIVE_INFINITY;
  appendedSince = 0;
  lastRefresh = 0;
  refreshing = false;
  /** Estimated free bytes now. */
  freeBytes() {
    const now = Date.now();
    if (!this.refreshing && now - this.lastRefresh >= this.refreshMillis) {
      this.refreshing = true;
      this.lastRefresh = now;
      fs4.statfs(this.directory, (err, s) => {
        this.refreshing = false;
        if (!err) this.set(s);
      });
    }
    return this.free - this.appendedSince;
  }
  noteAppended(bytes) {
    this.appendedSince += bytes;
  }
  /** After files were deleted or an ENOSPC: asks the file system now. */
  refreshSync() {
    try {
      this.set(fs4.statfsSync(this.directory));
      this.lastRefresh = Date.now();
    } catch {
      this.free = Number.POSITIVE_INFINITY;
    }
  }
  set(s) {
    const outOfInodes = s.files > 0 && s.ffree < MIN_FREE_INODES;
    this.free = outOfInodes ? 0 : s.bavail * s.bsize;
    this.appendedSince = 0;
  }
};

// packages/disk-buffer/src/internal/file-holds.ts
import * as fs5 from "node:fs";
var FileHolds = class {
  constructor(onRemoved, onError) {
    this.onRemoved = onRemoved;
    this.onError = onError;
  }
  onRemoved;
  onError;
  open = /* @__PURE__ */ new Map();
  /** Held files to unlink on their last release, with their sidecars. */
  doomed = /* @__PURE__ */ new Map();
  hold(path) {
    this.open.set(path, (this.open.get(path) ?? 0) + 1);
  }
  release(path) {
    const n = (this.open.get(path) ?? 1) - 1;
    if (n > 0) {
      this.open.set(path, n);
      return;
    }
    this.open.delete(path);
    const paths = this.doomed.get(path);
    if (paths === void 0) return;
    this.doomed.delete(path);
    this.unlink(paths);
  }
  /** Unlinks `path` (and `sidecars`) now, or once the last handle on it is released. */
  remove(path, sidecars = []) {
    const paths = [path, ...sidecars];
    if (this.open.has(path)) this.doomed.set(path, paths);
    else this.unlink(paths);
  }
  /** Files waiting for their holders to close them (for tests and stats). */
  get waiting() {
    return this.doomed.size;
  }
  unlink(paths) {
    for (const p of paths) {
      try {
        fs5.rmSync(p, { force: true });
      } catch (err) {
        this.onError(err);
      }
    }
    this.onRemoved();
  }
};

// packages/disk-buffer/src/internal/ledger.ts
var Ledger = class {
  entries = /* @__PURE__ */ new Map();
  get(seq) {
    return this.entries.get(seq);
  }
  set(entry) {
    this.entries.set(entry.seq, entry);
  }
  delete(seq) {
    this.entries.delete(seq);
  }
  /** Entries in seq order. */
  sorted() {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }
  /** The first entry with seq ≥ `seq`. */
  atOrAfter(seq) {
    let best;
    for (const e of this.entries.values()) {
      if (e.seq >= seq && (best === void 0 || e.seq < best.seq)) best = e;
    }
    return best;
  }
  totalBytes() {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }
  totals() {
    const t = { walRecords: 0, walBytes: 0, spillRecords: 0, spillBytes: 0 };
    for (const e of this.entries.values()) {
      if (e.kind === "wal") {
        t.walRecords += e.records;
        t.walBytes += e.bytes;
      } else {
        t.spillRecords += e.records;
        t.spillBytes += e.bytes;
      }
    }
    return t;
  }
};

// packages/disk-buffer/src/internal/metrics.ts
function registerMetrics(provider, stats) {
  const meter = provider.getMeter("@spillway/disk-buffer", "0.1.0");
  const dropped = meter.createObservableCounter("spillway.disk_buffer.records.dropped", {
    description: "Records not delivered, by reason",
    unit: "{record}"
  });
  const bySeverity = meter.createObservableCounter(
    "spillway.disk_buffer.records.dropped_by_severity",
    { description: "Records not delivered, by severity class", unit: "{record}" }
  );
  const delivered = meter.createObservableCounter("spillway.disk_buffer.records.delivered", {
    description: "Records acknowledged by the downstream exporter",
    unit: "{record}"
  });
  const retries = meter.createObservableCounter("spillway.disk_buffer.export.retries", {
    description: "Failed downstream export attempts that were retried",
    unit: "{attempt}"
  });
  const pending = meter.createObservableGauge("spillway.disk_buffer.records.pending", {
    description: "Records on disk not yet delivered",
    unit: "{record}"
  });
  const disk = meter.createObservableGauge("spillway.disk_buffer.disk.usage", {
    description: "Bytes of the buffer files",
    unit: "By"
  });
  meter.addBatchObservableCallback(
    (r) => {
      const s = stats();
      for (const reason of ["disk_full", "corrupt", "expired"]) {
        r.observe(dropped, s.dropped[reason], { reason });
      }
      for (const [severity, n] of Object.entries(s.droppedBySeverity)) {
        r.observe(bySeverity, n, { severity });
      }
      r.observe(delivered, s.deliveredRecords);
      r.observe(retries, s.retries);
      r.observe(pending, s.pendingRecords);
      r.observe(disk, s.diskBytes);
    },
    [dropped, bySeverity, delivered, retries, pending, disk]
  );
}

// packages/disk-buffer/src/internal/options.ts
import { join as join6 } from "node:path";
var MiB = 1024 * 1024;
var GiB = 1024 * MiB;
var MIN_DISK_BYTES = 8 * 64 * 1024;
function fromEnv(variable, parse, fallback) {
  const text = process.env[variable];
  if (text === void 0 || text.trim() === "") return void 0;
  const v = parse(text);
  if (!isInvalid(v)) return v;
  emitConfigWarning(
    `${variable}=${JSON.stringify(text)} is not valid (accepted: ${v.expected}); using ${fallback}`
  );
  return void 0;
}
function defaultDirectory(serviceName) {
  const root = fromEnv("SPILLWAY_DIR", parseDirectory, "<tmpdir>/spillway/<service.name>") ?? defaultDataDirectory(serviceName ?? serviceNameFromEnv(process.env));
  return join6(root, "wal");
}
function positive(name, v, fallback) {
  if (v === void 0) return fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}
function resolveOptions(o) {
  const fsync2 = o.fsync ?? fromEnv("SPILLWAY_FSYNC", parseFsync, "interval:200") ?? {
    intervalMillis: 200
  };
  const maxDiskBytes = positive(
    "maxDiskBytes",
    o.maxDiskBytes ?? fromEnv("SPILLWAY_MAX_DISK_BYTES", (t) => parseSize(t, MIN_DISK_BYTES), "1GiB"),
    GiB
  );
  if (maxDiskBytes < MIN_DISK_BYTES) {
    throw new RangeError(
      `maxDiskBytes must be at least ${MIN_DISK_BYTES} (eight of the smallest segments), got ${maxDiskBytes}`
    );
  }
  const segmentBytes = Math.max(
    64 * 1024,
    Math.min(positive("segmentBytes", o.segmentBytes, 16 * MiB), Math.floor(maxDiskBytes / 8))
  );
  return {
    directory: o.directory ?? defaultDirectory(o.serviceName),
    fsyncMode: typeof fsync2 === "string" ? fsync2 : "interval",
    intervalMillis: typeof fsync2 === "string" ? 200 : positive("fsync.intervalMillis", fsync2.intervalMillis, 200),
    maxDiskBytes,
    minFreeBytes: o.minFreeBytes ?? fromEnv("SPILLWAY_MIN_FREE_BYTES", parseSize, "64MiB") ?? 64 * MiB,
    segmentBytes,
    whenFull: o.whenFull ?? "drop_oldest",
    spillAfterBytes: positive("spillAfterBytes", o.spillAfterBytes, 64 * MiB),
    retry: {
      initialMillis: positive("retry.initialMillis", o.retry?.initialMillis, 500),
      maxMillis: positive("retry.maxMillis", o.retry?.maxMillis, 3e4),
      multiplier: positive("retry.multiplier", o.retry?.multiplier, 2),
      jitter: Math.min(1, Math.max(0, o.retry?.jitter ?? 0.2))
    },
    exportTimeoutMillis: positive("exportTimeoutMillis", o.exportTimeoutMillis, 3e4),
    shutdownTimeoutMillis: positive("shutdownTimeoutMillis", o.shutdownTimeoutMillis, 1e4),
    maxRecordAgeMillis: o.maxRecordAgeMillis,
    maxExportBatchSize: positive("maxExportBatchSize", o.maxExportBatchSize, 512),
    recordUid: o.recordUid ?? false,
    serviceName: o.serviceName
  };
}

// packages/disk-buffer/src/internal/record-tags.ts
var CODEC_VERSION = 2;
var CODEC_VERSION_INLINE_STRINGS = 1;
var T_NULL = 0;
var T_UNDEFINED = 1;
var T_FALSE = 2;
var T_TRUE = 3;
var T_INT = 4;
var T_DOUBLE = 5;
var T_STRING = 6;
var T_BYTES = 7;
var T_ARRAY = 8;
var T_MAP = 9;
var T_BIGINT = 10;
var F_SPAN = 1;
var F_SEVERITY_TEXT = 2;
var F_SEVERITY_NUMBER = 4;
var F_BODY = 8;
var F_EVENT_NAME = 16;
var F_TRACE_STATE = 32;
var F_REMOTE = 64;
var F_TEXT_IDS = 128;
var HR_WIDE = 2147483648;

// packages/disk-buffer/src/internal/record-encoder.ts
var MAX_DEPTH = 64;
function writeValue(w, v, depth) {
  if (depth > MAX_DEPTH) throw new RangeError(`value nested deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case "string":
      w.u8(T_STRING);
      w.text(v);
      return;
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.u8(T_INT);
        w.varint((v << 1 ^ v >> 31) >>> 0);
      } else {
        w.u8(T_DOUBLE);
        w.f64le(v);
      }
      return;
    case "boolean":
      w.u8(v ? T_TRUE : T_FALSE);
      return;
    case "undefined":
      w.u8(T_UNDEFINED);
      return;
    case "bigint":
      w.u8(T_BIGINT);
      w.text(v.toString());
      return;
    case "object":
      if (v === null) {
        w.u8(T_NULL);
      } else if (v instanceof Uint8Array) {
        w.u8(T_BYTES);
        w.varint(v.length);
        w.raw(v);
      } else if (Array.isArray(v)) {
        w.u8(T_ARRAY);
        w.varint(v.length);
        for (let i = 0; i < v.length; i++) writeValue(w, v[i], depth + 1);
      } else {
        w.u8(T_MAP);
        writeMap(w, v, depth + 1);
      }
      return;
    default:
      w.u8(T_UNDEFINED);
  }
}
function writeMap(w, m, depth, extra) {
  const at = w.pos;
  const mark = w.textMark;
  w.u8(0);
  let n = 0;
  for (const k in m) {
    w.text(k);
    writeValue(w, m[k], depth);
    n++;
  }
  if (extra) {
    w.text(extra[0]);
    w.u8(T_STRING);
    w.text(extra[1]);
    n++;
  }
  if (n < 128) {
    w.buf[at] = n;
    return;
  }
  w.pos = at;
  w.rewindText(mark);
  const keys = Object.keys(m);
  w.varint(keys.length + (extra ? 1 : 0));
  for (const k of keys) {
    w.text(k);
    writeValue(w, m[k], depth);
  }
  if (extra) {
    w.text(extra[0]);
    w.u8(T_STRING);
    w.text(extra[1]);
  }
}
function writeHrTime(w, t) {
  const s = t[0];
  const ns = t[1];
  if (s >>> 0 === s && ns >>> 0 === ns && ns < HR_WIDE) {
    w.u32(ns);
    w.u32(s);
  } else {
    w.u32(HR_WIDE);
    w.f64le(s);
    w.f64le(ns);
  }
}
function writeOptString(w, s) {
  if (s === void 0) {
    w.u8(0);
  } else {
    w.u8(1);
    w.text(s);
  }
}
var ID_SLOTS = 256;
var idTrace = new Array(ID_SLOTS).fill(void 0);
var idSpan = new Array(ID_SLOTS).fill(void 0);
var idBytes = new Uint8Array(ID_SLOTS * 24);
var idView = new DataView(idBytes.buffer);
function writeSpanIds(w, traceId, spanId) {
  if (traceId.length !== 32 || spanId.length !== 16) return false;
  const slot = (traceId.charCodeAt(31) * 31 + spanId.charCodeAt(15)) * 31 + spanId.charCodeAt(14) & ID_SLOTS - 1;
  const from = slot * 24;
  if (idTrace[slot] === traceId && idSpan[slot] === spanId) {
    w.words(idView, from, 24);
    return true;
  }
  const at = w.pos;
  if (!w.hex(traceId, 16) || !w.hex(spanId, 8)) {
    w.pos = at;
    return false;
  }
  const b = w.buf;
  for (let i = 0; i < 24; i++) idBytes[from + i] = b[at + i];
  idTrace[slot] = traceId;
  idSpan[slot] = spanId;
  return true;
}
var rIdx = new Uint32Array(1024);
var sIdx = new Uint32Array(1024);
function encodeBatch(w, records, substituted, uid) {
  const start = w.pos;
  w.u8(CODEC_VERSION);
  w.u32(0);
  try {
    encodeAll(w, records, uid, substituted);
    w.buf.writeUInt32LE(w.pos - start, start + 1);
    w.endText();
  } finally {
    w.discardText();
  }
}
function encodeAll(w, records, uid, substituted) {
  const n = records.length;
  if (rIdx.length < n) {
    rIdx = new Uint32Array(n);
    sIdx = new Uint32Array(n);
  }
  const resources = [];
  const scopes = [];
  const resIndex = /* @__PURE__ */ new Map();
  const scopeIndex = /* @__PURE__ */ new Map();
  let lastRes;
  let lastScope2;
  let ri = 0;
  let si = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const res2 = r.resource;
    if (res2 !== lastRes) {
      let k = resIndex.get(res2);
      if (k === void 0) {
        k = resources.length;
        resources.push(res2);
        resIndex.set(res2, k);
      }
      lastRes = res2;
      ri = k;
    }
    const scope = r.instrumentationScope;
    if (scope !== lastScope2) {
      let k = scopeIndex.get(scope);
      if (k === void 0) {
        k = scopes.length;
        scopes.push(scope);
        scopeIndex.set(scope, k);
      }
      lastScope2 = scope;
      si = k;
    }
    rIdx[i] = ri;
    sIdx[i] = si;
  }
  w.varint(resources.length);
  for (let i = 0; i < resources.length; i++) {
    const res2 = resources[i];
    writeMap(w, res2.attributes, 0);
    writeOptString(w, res2.schemaUrl);
  }
  w.varint(scopes.length);
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    w.text(s.name);
    writeOptString(w, s.version);
    writeOptString(w, s.schemaUrl);
    if (s.attributes === void 0) {
      w.u8(0);
    } else {
      w.u8(1);
      writeMap(w, s.attributes, 0);
    }
    w.varint(s.droppedAttributesCount ?? 0);
  }
  w.varint(n);
  for (let i = 0; i < n; i++) {
    const at = w.pos;
    const mark = w.textMark;
    try {
      writeRecord(w, records[i], rIdx[i], sIdx[i], uid, i);
    } catch {
      w.pos = at;
      w.rewindText(mark);
      writeRecord(w, renormalizeLogRecord(records[i], substituted), rIdx[i], sIdx[i], uid, i);
    }
  }
}
function writeRecord(w, r, ri, si, uid, i) {
  w.ensure(3);
  let p = w.pos;
  const b = w.buf;
  if (ri < 128 && si < 128) {
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
  if (severityNumber !== void 0) {
    flags |= F_SEVERITY_NUMBER;
    w.varint(severityNumber);
  }
  const severityText = r.severityText;
  if (severityText !== void 0) {
    flags |= F_SEVERITY_TEXT;
    w.text(severityText);
  }
  const body = r.body;
  if (body !== void 0) {
    flags |= F_BODY;
    if (typeof body === "string") {
      w.u8(T_STRING);
      w.text(body);
    } else {
      writeValue(w, body, 0);
    }
  }
  const eventName = r.eventName;
  if (eventName !== void 0) {
    flags |= F_EVENT_NAME;
    w.text(eventName);
  }
  const sc = r.spanContext;
  if (sc !== void 0) {
    flags |= F_SPAN;
    if (!writeSpanIds(w, sc.traceId, sc.spanId)) {
      flags |= F_TEXT_IDS;
      w.text(sc.traceId);
      w.text(sc.spanId);
    }
    w.varint(sc.traceFlags);
    if (sc.isRemote) flags |= F_REMOTE;
    if (sc.traceState !== void 0) {
      flags |= F_TRACE_STATE;
      w.text(sc.traceState.serialize());
    }
  }
  writeMap(
    w,
    r.attributes,
    0,
    uid ? [uid.key, uid.value(i)] : void 0
  );
  w.varint(r.droppedAttributesCount);
  w.buf[flagsAt] = flags;
}

// packages/disk-buffer/src/internal/recovery.ts
import * as fs7 from "node:fs";

// packages/disk-buffer/src/internal/frame-reader.ts
var MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(FRAME_MAGIC, 0);
var FrameReader = class {
  constructor(fh, pos, chunkBytes = 1024 * 1024) {
    this.fh = fh;
    this.chunkBytes = chunkBytes;
    this.at = pos;
    this.expected = pos === SEGMENT_HEADER_BYTES ? 0 : void 0;
  }
  fh;
  chunkBytes;
  buf = Buffer.alloc(0);
  bufStart = 0;
  at;
  /** Record index the next frame should start at; undefined after a seek into the middle. */
  expected;
  get pos() {
    return this.at;
  }
  /** Moves the reader; a move elsewhere than where it stands forgets the expected index. */
  set pos(to) {
    if (to === this.at) return;
    this.at = to;
    this.expected = to === SEGMENT_HEADER_BYTES ? 0 : void 0;
  }
  /** Makes bytes [from, to) available in `buf`; false when the file ends before `to`. */
  async ensure(from, to, limit) {
    if (from >= this.bufStart && to <= this.bufStart + this.buf.length) return true;
    if (to > limit) return false;
    const size = Math.min(Math.max(to - from, this.chunkBytes), limit - from);
    const next = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.fh.read(next, got, size - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = next.subarray(0, got);
    this.bufStart = from;
    return got >= to - from;
  }
  /** The next frame or damaged range at `pos`, or null at the limit. */
  async next(limit) {
    const at = this.at;
    if (at >= limit) return null;
    const good = at + FRAME_HEADER_BYTES <= limit ? await this.tryFrame(at, limit) : "incomplete";
    if (good !== void 0 && good !== "incomplete" && this.follows(good.header)) {
      this.at = good.end;
      this.expected = good.header.firstIndex + good.header.count;
      return good;
    }
    const found = await this.findNext(at + 1, limit);
    if (found === void 0) {
      if (good === "incomplete") return { kind: "incomplete", offset: at };
      const records2 = Math.min(await this.chainedCounts(at, limit), maxRecords(limit - at));
      this.at = limit;
      return { kind: "corrupt", offset: at, end: limit, tail: true, records: records2 };
    }
    const records = this.expected === void 0 ? Math.min(await this.chainedCounts(at, found.offset), maxRecords(found.offset - at)) : Math.max(
      0,
      Math.min(found.header.firstIndex - this.expected, maxRecords(found.offset - at))
    );
    this.at = found.offset;
    return { kind: "corrupt", offset: at, end: found.offset, tail: false, records };
  }
  /** False for a frame whose records were already passed (a stale or duplicated copy). */
  follows(h) {
    return this.expected === void 0 || h.firstIndex >= this.expected;
  }
  /** A verified frame at `at`, 'incomplete' if it runs past `limit`, undefined if invalid. */
  async tryFrame(at, limit) {
    if (!await this.ensure(at, at + FRAME_HEADER_BYTES, limit)) return "incomplete";
    const header = parseFrameHeader(this.buf, at - this.bufStart);
    if (header === void 0) return void 0;
    const end = at + FRAME_HEADER_BYTES + header.length;
    if (!await this.ensure(at, end, limit)) return "incomplete";
    const rel = at - this.bufStart;
    if (crc322(this.buf, rel + 8, rel + FRAME_HEADER_BYTES + header.length) !== header.checksum) {
      return void 0;
    }
    const payload = this.buf.subarray(
      rel + FRAME_HEADER_BYTES,
      rel + FRAME_HEADER_BYTES + header.length
    );
    return { kind: "frame", offset: at, end, header, payload };
  }
  /** The first offset ≥ `from` holding a valid frame that follows the expected index. */
  async findNext(from, limit) {
    let search = from;
    while (search + FRAME_HEADER_BYTES <= limit) {
      if (!await this.ensure(search, Math.min(search + this.chunkBytes, limit), limit)) break;
      const rel = this.buf.indexOf(MAGIC_BYTES, search - this.bufStart);
      if (rel < 0) {
        search = Math.max(search + 1, this.bufStart + this.buf.length - 3);
        continue;
      }
      const candidate = this.bufStart + rel;
      const good = await this.tryFrame(candidate, limit);
      if (good !== void 0 && good !== "incomplete" && this.follows(good.header)) return good;
      search = candidate + 1;
    }
    return void 0;
  }
  /**
   * Records of the plausible frame headers in [from, to) that chain on from the expected index
   * (or from the first one, after a seek): the best count when no valid frame bounds the damage.
   */
  async chainedCounts(from, to) {
    let n = 0;
    let next = this.expected;
    let search = from;
    while (search + FRAME_HEADER_BYTES <= to) {
      if (!await this.ensure(search, Math.min(search + this.chunkBytes, to), to)) break;
      const rel = this.buf.indexOf(MAGIC_BYTES, search - this.bufStart);
      if (rel < 0) {
        search = Math.max(search + 1, this.bufStart + this.buf.length - 3);
        continue;
      }
      const candidate = this.bufStart + rel;
      if (!await this.ensure(candidate, candidate + FRAME_HEADER_BYTES, to)) break;
      const h = parseFrameHeader(this.buf, candidate - this.bufStart);
      if (h !== void 0 && (next === void 0 || h.firstIndex === next)) {
        n += h.count;
        next = h.firstIndex + h.count;
      }
      search = candidate + 1;
    }
    return n;
  }
};
function maxRecords(bytes) {
  return Math.floor(Math.max(0, bytes) / MIN_RECORD_BYTES);
}

// packages/disk-buffer/src/internal/spiller.ts
import * as fs6 from "node:fs";
import { join as join7 } from "node:path";

// packages/disk-buffer/src/internal/record-decoder.ts
import { createTraceState as createTraceState2 } from "@opentelemetry/api";
import { resourceFromAttributes as resourceFromAttributes3 } from "@opentelemetry/resources";

// packages/disk-buffer/src/internal/errors.ts
var CorruptRecordError = class extends Error {
  name = "CorruptRecordError";
};

// packages/disk-buffer/src/internal/byte-reader.ts
var ByteReader = class {
  constructor(buf, start = 0, end = buf.length) {
    this.buf = buf;
    this.end = end;
    this.pos = start;
  }
  buf;
  end;
  pos;
  /** Position in `text`, in UTF-16 code units. */
  textPos = 0;
  text = "";
  inline = true;
  f64 = new Float64Array(1);
  f64Bytes = new Uint8Array(this.f64.buffer);
  /** Strings are read from `text` (a decoded text block) from now on. */
  useText(text) {
    this.text = text;
    this.textPos = 0;
    this.inline = false;
  }
  /** The text block's chars read since `from`. */
  textSince(from) {
    return this.text.slice(from, this.textPos);
  }
  /** True once every char of the text block has been read. */
  get textDone() {
    return this.textPos === this.text.length;
  }
  need(n) {
    if (this.pos + n > this.end) {
      throw new CorruptRecordError(
        `payload overrun: need ${n} bytes at ${this.pos}, end ${this.end}`
      );
    }
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  varint() {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 127) * mul;
      if (b < 128) return result;
      mul *= 128;
    }
    throw new CorruptRecordError(`varint longer than 8 bytes at ${this.pos}`);
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64le() {
    this.need(8);
    this.f64Bytes.set(this.buf.subarray(this.pos, this.pos + 8));
    this.pos += 8;
    return this.f64[0];
  }
  string() {
    const len = this.varint();
    if (!this.inline) {
      const from = this.textPos;
      const to = from + len;
      if (to > this.text.length) {
        throw new CorruptRecordError(
          `text overrun: need ${len} chars at ${from}, text has ${this.text.length}`
        );
      }
      this.textPos = to;
      return this.text.slice(from, to);
    }
    this.need(len);
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  bytes(len) {
    this.need(len);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  hex(len) {
    this.need(len);
    const s = this.buf.toString("hex", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
};

// packages/disk-buffer/src/internal/record-decoder.ts
function readHrTime(rd) {
  const ns = rd.u32();
  if (ns === HR_WIDE) return [rd.f64le(), rd.f64le()];
  return [rd.u32(), ns];
}
function readValue(rd, depth) {
  if (depth > 64) throw new CorruptRecordError("values nested deeper than 64");
  const tag = rd.u8();
  switch (tag) {
    case T_NULL:
      return null;
    case T_UNDEFINED:
      return void 0;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT: {
      const z = rd.varint();
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    }
    case T_DOUBLE:
      return rd.f64le();
    case T_STRING:
      return rd.string();
    case T_BYTES:
      return new Uint8Array(rd.bytes(rd.varint()));
    case T_ARRAY: {
      const n = rd.varint();
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(rd, depth + 1);
      return out;
    }
    case T_MAP:
      return readMap(rd, depth + 1);
    case T_BIGINT:
      return BigInt(rd.string());
    default:
      throw new CorruptRecordError(`unknown value tag ${tag} at ${rd.pos - 1}`);
  }
}
function readMap(rd, depth) {
  const n = rd.varint();
  const out = {};
  for (let i = 0; i < n; i++) {
    const k = rd.string();
    out[k] = readValue(rd, depth);
  }
  return out;
}
function readOptString(rd) {
  return rd.u8() === 1 ? rd.string() : void 0;
}
var BatchDecoder = class {
  resources = /* @__PURE__ */ new Map();
  scopes = /* @__PURE__ */ new Map();
  decode(buf, start, end) {
    const version = buf[start];
    let rd;
    if (version === CODEC_VERSION) {
      const textAt = end - start >= 5 ? buf.readUInt32LE(start + 1) : 0;
      if (textAt < 5 || textAt > end - start) {
        throw new CorruptRecordError(`text block offset ${textAt} outside the payload`);
      }
      rd = new ByteReader(buf, start + 5, start + textAt);
      rd.useText(buf.toString("utf8", start + textAt, end));
    } else if (version === CODEC_VERSION_INLINE_STRINGS) {
      rd = new ByteReader(buf, start + 1, end);
    } else {
      throw new CorruptRecordError(`unknown codec version ${version}`);
    }
    const nRes = rd.varint();
    const resources = [];
    for (let i = 0; i < nRes; i++) {
      const at = rd.pos;
      const textAt = rd.textPos;
      const attributes = readMap(rd, 0);
      const schemaUrl = readOptString(rd);
      const key = buf.toString("latin1", at, rd.pos) + rd.textSince(textAt);
      let res2 = this.resources.get(key);
      if (res2 === void 0) {
        res2 = resourceFromAttributes3(
          attributes,
          schemaUrl === void 0 ? void 0 : { schemaUrl }
        );
        this.remember(this.resources, key, res2);
      }
      resources.push(res2);
    }
    const nScopes = rd.varint();
    const scopes = [];
    for (let i = 0; i < nScopes; i++) {
      const at = rd.pos;
      const textAt = rd.textPos;
      const name = rd.string();
      const version2 = readOptString(rd);
      const schemaUrl = readOptString(rd);
      const attributes = rd.u8() === 1 ? readMap(rd, 0) : void 0;
      const dropped = rd.varint();
      const key = buf.toString("latin1", at, rd.pos) + rd.textSince(textAt);
      let scope = this.scopes.get(key);
      if (scope === void 0) {
        const s = { name };
        if (version2 !== void 0) s.version = version2;
        if (schemaUrl !== void 0) s.schemaUrl = schemaUrl;
        if (attributes !== void 0) s.attributes = attributes;
        if (dropped !== 0) s.droppedAttributesCount = dropped;
        scope = s;
        this.remember(this.scopes, key, scope);
      }
      scopes.push(scope);
    }
    const n = rd.varint();
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const resource = resources[rd.varint()];
      const instrumentationScope = scopes[rd.varint()];
      if (resource === void 0 || instrumentationScope === void 0) {
        throw new CorruptRecordError(
          `record ${i} names a resource or scope that is not in the batch`
        );
      }
      const flags = rd.u8();
      const hrTime = readHrTime(rd);
      const hrTimeObserved = readHrTime(rd);
      const rec2 = {
        hrTime,
        hrTimeObserved,
        resource,
        instrumentationScope,
        attributes: {},
        droppedAttributesCount: 0
      };
      if (flags & F_SEVERITY_NUMBER) rec2.severityNumber = rd.varint();
      if (flags & F_SEVERITY_TEXT) rec2.severityText = rd.string();
      if (flags & F_BODY) rec2.body = readValue(rd, 0);
      if (flags & F_EVENT_NAME) rec2.eventName = rd.string();
      if (flags & F_SPAN) {
        const text = (flags & F_TEXT_IDS) !== 0;
        const traceId = text ? rd.string() : rd.hex(16);
        const spanId = text ? rd.string() : rd.hex(8);
        const sc = { traceId, spanId, traceFlags: rd.varint() };
        if (flags & F_REMOTE) sc.isRemote = true;
        if (flags & F_TRACE_STATE) sc.traceState = createTraceState2(rd.string());
        rec2.spanContext = sc;
      }
      rec2.attributes = readMap(rd, 0);
      rec2.droppedAttributesCount = rd.varint();
      out[i] = rec2;
    }
    if (rd.pos !== rd.end) {
      throw new CorruptRecordError(`payload has ${rd.end - rd.pos} bytes after its last record`);
    }
    if (!rd.textDone) throw new CorruptRecordError("text block has chars after its last string");
    return out;
  }
  // Bounded so a stream of distinct resources cannot grow it without limit.
  remember(map, key, value) {
    if (map.size >= 64) map.clear();
    map.set(key, value);
  }
};

// packages/disk-buffer/src/internal/spiller.ts
var MAX_MERGE_BYTES = 1024 * 1024;
var SPILL_FRAME_BYTES = 8 * 1024 * 1024;
var Spiller = class {
  constructor(o) {
    this.o = o;
  }
  o;
  running;
  stopped = false;
  /** Reads a recovered spill file's record count from its index (or a header scan). */
  static async loadCount(entry) {
    const table2 = await readFrameTable(entry.path);
    entry.records = table2.frames.reduce((n, f) => n + f.records, 0);
  }
  /** Starts a conversion if the backlog is over the threshold and none is running. */
  maybeSpill() {
    if (this.running || this.stopped) return;
    const victim = this.candidate();
    if (victim === void 0) return;
    this.running = this.convert(victim).catch((err) => this.o.counters.error(err)).finally(() => {
      this.running = void 0;
      this.maybeSpill();
    });
  }
  async stop() {
    this.stopped = true;
    await this.running;
  }
  /** Batches of a spill file after its first `skip` records. */
  async open(entry, skip) {
    await fs6.promises.access(entry.path);
    const { counters, holds } = this.o;
    holds.hold(entry.path);
    const batches = readLogRecordBatches(entry.path, {
      onProblem: (p) => {
        if (p.kind === "index") return;
        counters.corruptFrames++;
        const lost = emptyCounts();
        if (p.records > 0 && p.maxSeverity !== void 0 && p.maxSeverity > 0)
          lost[severityClassOf(p.maxSeverity)] = 1;
        counters.drop("corrupt", p.records, lost);
        counters.error(new Error(p.message));
      }
    });
    let toSkip = skip;
    return {
      async next(maxRecords2) {
        const out = [];
        let bytes = 0;
        while (out.length < maxRecords2 && bytes < MAX_MERGE_BYTES) {
          const r = await batches.next();
          if (r.done) break;
          let batch = r.value;
          if (toSkip > 0) {
            const n = Math.min(toSkip, batch.length);
            toSkip -= n;
            batch = batch.slice(n);
          }
          for (const rec2 of batch) {
            out.push(rec2);
            bytes += 200 + (typeof rec2.body === "string" ? rec2.body.length : 0);
          }
        }
        return out.length > 0 ? out : null;
      },
      async close() {
        try {
          await batches.return(void 0);
        } finally {
          holds.release(entry.path);
        }
      }
    };
  }
  candidate() {
    let backlog = 0;
    let oldest;
    for (const e of this.o.ledger.sorted()) {
      if (e.kind !== "wal") continue;
      backlog += e.bytes;
      if (oldest === void 0 && e.closed && e.verified && !e.evicted && !this.o.busy(e.seq)) {
        oldest = e;
      }
    }
    return backlog > this.o.spillAfterBytes ? oldest : void 0;
  }
  async convert(seg) {
    const fh = await fs6.promises.open(seg.path, "r");
    this.o.holds.hold(seg.path);
    let closed;
    const closeSource = () => {
      closed ??= fh.close().finally(() => this.o.holds.release(seg.path));
      return closed;
    };
    let writer;
    let tmp = "";
    let records = 0;
    const severities = emptyCounts();
    try {
      const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES);
      const decoder = new BatchDecoder();
      for (; ; ) {
        if (this.abandoned(seg)) return;
        const r = await reader.next(seg.written);
        if (r === null || r.kind === "incomplete") break;
        if (r.kind === "corrupt") continue;
        const batch = decoder.decode(r.payload, 0, r.payload.length);
        if (writer === void 0) {
          const service = this.o.serviceName ?? String(batch[0]?.resource.attributes["service.name"] ?? "unknown_service");
          tmp = join7(this.o.directory, `${compressedFileName(service, Date.now(), seg.seq)}.tmp`);
          writer = await CompressedFileWriter.create(tmp, { frameBytes: SPILL_FRAME_BYTES });
        }
        writer.appendRecords(batch);
        records += batch.length;
        countSeverities(batch, severities);
      }
      if (writer === void 0) return;
      await writer.close();
      if (this.abandoned(seg)) return;
      const final = tmp.slice(0, -".tmp".length);
      await fs6.promises.rename(`${tmp}.idx`, `${final}.idx`);
      await fs6.promises.rename(tmp, final);
      await syncDir(this.o.directory);
      if (this.abandoned(seg)) {
        this.rmSpill(final);
        return;
      }
      const entry = {
        kind: "spill",
        seq: seg.seq,
        path: final,
        bytes: fileSize(final) + fileSize(`${final}.idx`),
        records,
        scanned: void 0,
        verified: true,
        evicted: false,
        severities
      };
      this.o.ledger.set(entry);
      writer = void 0;
      await closeSource();
      this.o.holds.remove(seg.path);
      this.o.onSpilled();
    } finally {
      await closeSource();
      if (writer !== void 0) {
        await writer.close().catch(() => {
        });
        this.rmSpill(tmp);
      }
    }
  }
  rmSpill(path) {
    this.o.holds.remove(path, [`${path}.idx`]);
  }
  abandoned(seg) {
    return this.stopped || seg.evicted || this.o.busy(seg.seq) || this.o.ledger.get(seg.seq) !== seg;
  }
};
function fileSize(path) {
  try {
    return fs6.statSync(path).size;
  } catch {
    return 0;
  }
}
async function syncDir(dir2) {
  const fh = await fs6.promises.open(dir2, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// packages/disk-buffer/src/internal/recovery.ts
async function scanSegment(entry, counters, checkpoint) {
  const result = { resumeOffset: SEGMENT_HEADER_BYTES, deliveredBefore: 0 };
  const cpOffset = checkpoint?.kind === "wal" && checkpoint.seq === entry.seq ? checkpoint.position : 0;
  let fh;
  try {
    fh = await fs7.promises.open(entry.path, "r+");
  } catch (err) {
    if (err.code === "ENOENT") {
      entry.bytes = 0;
      entry.written = 0;
      return result;
    }
    throw err;
  }
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await fh.read(head, 0, SEGMENT_HEADER_BYTES, 0);
    const header = parseSegmentHeader(head);
    if (header.state !== "ok" || header.seq !== entry.seq) counters.corruptFrames++;
    const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES);
    const limit = entry.bytes;
    let cutAt;
    for (; ; ) {
      const r = await reader.next(limit);
      if (r === null) break;
      if (r.kind === "frame") {
        if (r.end <= cpOffset) {
          result.resumeOffset = r.end;
          result.deliveredBefore += r.header.count;
        }
        entry.records += r.header.count;
        continue;
      }
      if (r.kind === "incomplete") {
        cutAt = r.offset;
        break;
      }
      counters.corruptFrames++;
      counters.drop("corrupt", r.records);
      if (r.tail) {
        cutAt = r.offset;
        break;
      }
    }
    if (cutAt !== void 0) {
      counters.truncatedBytes += limit - cutAt;
      await fh.truncate(cutAt);
      await fh.datasync();
      entry.bytes = cutAt;
      entry.written = cutAt;
    }
  } finally {
    await fh.close();
  }
  return result;
}
function trustedCheckpoint(ledger, checkpoint) {
  const oldest = ledger.sorted()[0];
  if (checkpoint === void 0 || oldest === void 0) return void 0;
  return checkpoint.seq === oldest.seq && checkpoint.kind === oldest.kind ? checkpoint : void 0;
}
function startPosition(ledger, checkpoint, nextSeq) {
  const oldest = ledger.sorted()[0];
  if (oldest === void 0) return { seq: nextSeq, offset: SEGMENT_HEADER_BYTES, doneInFile: 0 };
  const start = {
    seq: oldest.seq,
    offset: oldest.kind === "wal" ? SEGMENT_HEADER_BYTES : 0,
    doneInFile: 0
  };
  if (checkpoint === void 0) return start;
  start.offset = checkpoint.position;
  if (oldest.kind === "spill") start.doneInFile = checkpoint.position;
  return start;
}
function recoverInBackground(spills, segments, counters, checkpoint, hooks) {
  let chain = Promise.resolve();
  const step = (entry, work) => {
    hooks.onStart();
    chain = chain.then(async () => {
      try {
        await work();
      } catch (err) {
        counters.error(err);
      } finally {
        entry.verified = true;
        hooks.onDone();
      }
    });
    entry.scanned = chain;
  };
  for (const entry of spills) step(entry, () => Spiller.loadCount(entry));
  for (const entry of segments) {
    step(entry, async () => {
      const r = await scanSegment(entry, counters, checkpoint);
      if (checkpoint?.kind === "wal" && checkpoint.seq === entry.seq) hooks.onResume(entry.seq, r);
    });
  }
  return chain;
}

// packages/disk-buffer/src/internal/sender.ts
import { globalErrorHandler } from "@opentelemetry/core";

// packages/disk-buffer/src/internal/backoff.ts
function backoffMillis(attempt, o, random = Math.random) {
  const base = Math.min(o.maxMillis, o.initialMillis * o.multiplier ** Math.min(attempt, 64));
  return Math.max(1, Math.round(base * (1 + o.jitter * (2 * random() - 1))));
}

// packages/disk-buffer/src/internal/batch-source.ts
import * as fs8 from "node:fs";
var MAX_BATCH_BYTES = 1024 * 1024;
var BatchSource = class {
  constructor(o, pos) {
    this.o = o;
    this.pos = pos;
  }
  o;
  pos;
  /** Severities of the records of the current file already done (delivered or dropped). */
  doneSeverities = emptyCounts();
  walReader;
  spill;
  decoder = new BatchDecoder();
  /** Inside `next()`: the open file is in use. */
  busy = false;
  /** Closed for good: a file opened after this is closed at once. */
  shut = false;
  /** The next batch, or undefined after waiting (for data, a scan, or a file switch). */
  async next() {
    this.busy = true;
    try {
      return await this.step();
    } finally {
      this.busy = false;
    }
  }
  /**
   * The file of `seq` was evicted: close it now unless a read is under way (that read stops at
   * its next frame and the file is closed then), so that its blocks are freed while the batch
   * already read is being retried downstream.
   */
  release(seq) {
    if (this.busy) return;
    if (this.walReader?.seq === seq || this.spill?.seq === seq) {
      this.closeReaders().catch((err) => this.o.counters.error(err));
    }
  }
  async step() {
    const entry = this.o.ledger.atOrAfter(this.pos.seq);
    if (entry === void 0) {
      await this.o.waitForData();
      return void 0;
    }
    if (entry.seq !== this.pos.seq) {
      this.pos.seq = entry.seq;
      this.pos.offset = entry.kind === "wal" ? SEGMENT_HEADER_BYTES : 0;
      this.pos.doneInFile = 0;
      this.doneSeverities = emptyCounts();
      await this.closeReaders();
      return void 0;
    }
    if (entry.evicted) {
      await this.finishFile(entry, false);
      return void 0;
    }
    if (entry.kind === "spill") return this.spillBatch(entry);
    return this.walBatch(entry);
  }
  async walBatch(entry) {
    if (entry.scanned) await entry.scanned;
    if (this.walReader?.seq !== entry.seq) {
      await this.closeReaders();
      let fh;
      try {
        fh = await fs8.promises.open(entry.path, "r");
      } catch (err) {
        if (err.code !== "ENOENT") throw err;
        if (this.o.ledger.get(entry.seq) !== entry) return void 0;
        this.o.counters.drop("corrupt", ...this.o.undelivered(entry));
        this.o.counters.error(err);
        this.o.ledger.delete(entry.seq);
        this.o.onFileDeleted();
        return void 0;
      }
      if (this.shut) {
        await fh.close();
        return void 0;
      }
      this.o.holds.hold(entry.path);
      this.walReader = {
        seq: entry.seq,
        path: entry.path,
        fh,
        reader: new FrameReader(fh, this.pos.offset)
      };
    }
    const { reader } = this.walReader;
    reader.pos = this.pos.offset;
    const records = [];
    const recovered = entry.scanned !== void 0;
    let bytes = 0;
    while (records.length < this.o.maxBatchRecords && bytes < MAX_BATCH_BYTES && !entry.evicted) {
      const r = await reader.next(entry.written);
      if (r === null) break;
      if (r.kind === "incomplete") {
        if (entry.closed) reader.pos = entry.written;
        break;
      }
      if (r.kind === "corrupt") {
        if (!recovered) {
          this.o.counters.corruptFrames++;
          this.o.counters.drop("corrupt", r.records);
        }
        continue;
      }
      bytes += r.payload.length;
      try {
        const decoded = this.decoder.decode(r.payload, 0, r.payload.length);
        for (const rec2 of decoded) records.push(rec2);
      } catch (err) {
        this.o.counters.corruptFrames++;
        this.o.counters.drop("corrupt", r.header.count);
        this.o.counters.error(err);
      }
    }
    if (entry.evicted) return void 0;
    if (records.length > 0 || reader.pos > this.pos.offset) {
      return { records, entry, end: reader.pos };
    }
    if (entry.closed && reader.pos >= entry.written) {
      await this.finishFile(entry, true);
      return void 0;
    }
    await this.o.waitForData();
    return void 0;
  }
  async spillBatch(entry) {
    if (entry.scanned) await entry.scanned;
    if (this.spill?.seq !== entry.seq) {
      await this.closeReaders();
      try {
        const cursor = await this.o.openSpill(entry, this.pos.offset);
        if (this.shut) {
          await cursor.close();
          return void 0;
        }
        this.spill = { seq: entry.seq, cursor };
      } catch (err) {
        if (err.code !== "ENOENT") throw err;
        if (this.o.ledger.get(entry.seq) !== entry) return void 0;
        this.o.counters.drop("corrupt", ...this.o.undelivered(entry));
        this.o.counters.error(err);
        this.o.ledger.delete(entry.seq);
        this.o.onFileDeleted();
        return void 0;
      }
    }
    const records = await this.spill.cursor.next(this.o.maxBatchRecords);
    if (entry.evicted) return void 0;
    if (records === null) {
      await this.finishFile(entry, true);
      return void 0;
    }
    return { records, entry, end: this.pos.offset + records.length };
  }
  /** Drops the current file after repeated read failures, counting what it still held. */
  async giveUp() {
    const entry = this.o.ledger.get(this.pos.seq);
    if (entry === void 0) return;
    this.o.counters.drop("corrupt", ...this.o.undelivered(entry));
    await this.finishFile(entry, true);
  }
  /** Deletes a finished file (unless evicted: the evictor deleted it) and moves to the next seq. */
  async finishFile(entry, remove) {
    await this.closeReaders();
    if (remove && !entry.evicted) {
      await this.o.flushDownstream();
      this.o.holds.remove(entry.path, entry.kind === "spill" ? [`${entry.path}.idx`] : []);
    }
    this.o.ledger.delete(entry.seq);
    this.o.onFileDeleted();
    const next = this.o.ledger.get(entry.seq + 1);
    this.pos.seq = entry.seq + 1;
    this.pos.offset = next?.kind === "spill" ? 0 : SEGMENT_HEADER_BYTES;
    this.pos.doneInFile = 0;
    this.doneSeverities = emptyCounts();
  }
  async closeReaders() {
    const w = this.walReader;
    this.walReader = void 0;
    const s = this.spill;
    this.spill = void 0;
    try {
      if (w) await w.fh.close().finally(() => this.o.holds.release(w.path));
    } finally {
      await s?.cursor.close();
    }
  }
  /** Closes the open file; any file an in-flight step opens later is closed at once. */
  async close() {
    this.shut = true;
    await this.closeReaders();
  }
};

// packages/disk-buffer/src/internal/export-with-timeout.ts
import { ExportResultCode } from "@opentelemetry/core";
function exportWithTimeout(exporter, records, timeoutMillis) {
  return new Promise((resolve2) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve2(new Error(`downstream export timed out after ${timeoutMillis} ms`));
    }, timeoutMillis);
    try {
      exporter.export(records, (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve2(
          result.code === ExportResultCode.SUCCESS ? void 0 : result.error ?? new Error("downstream export failed")
        );
      });
    } catch (err) {
      settled = true;
      clearTimeout(timer);
      resolve2(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

// packages/disk-buffer/src/internal/sender.ts
var MAX_READ_FAILURES = 5;
var Sender = class {
  constructor(o, start) {
    this.o = o;
    this.source = new BatchSource(
      {
        ledger: o.ledger,
        counters: o.counters,
        holds: o.holds,
        maxBatchRecords: o.maxBatchRecords,
        openSpill: o.openSpill,
        onFileDeleted: o.onFileDeleted,
        undelivered: (entry) => this.undelivered(entry),
        waitForData: () => this.waitForData(),
        flushDownstream: () => this.flushDownstream()
      },
      start
    );
  }
  o;
  /** Records of the current file in the batch being exported now. */
  inFlight = 0;
  inFlightSeverities = emptyCounts();
  source;
  stopped = false;
  running;
  wakeUp;
  sleepTimer;
  cutSleep;
  attemptWaiters = [];
  lastCheckpoint = 0;
  checkpointTimer;
  /** The read position (owned by the batch source; recovery may move it on resume). */
  get pos() {
    return this.source.pos;
  }
  start() {
    this.running ??= this.run().catch((err) => {
      this.o.counters.error(err);
      globalErrorHandler(err);
    });
  }
  /** The file of `seq` was evicted: let go of it (see BatchSource.release) and move on. */
  evicted(seq) {
    this.source.release(seq);
    this.wake();
  }
  /** New data or a closed file: resume if idle. */
  wake() {
    const w = this.wakeUp;
    this.wakeUp = void 0;
    w?.();
  }
  /**
   * Resolves when everything written when called has been delivered, or (unless `persist`) after
   * the first failed attempt. A backoff sleep is cut short once, so that an attempt happens now;
   * later retries keep their backoff (a dead downstream is never hammered).
   */
  async attemptUntilCaughtUp(persist) {
    const target = this.end();
    let first = true;
    while (!this.stopped && !this.reached(target)) {
      const outcome = await new Promise((r) => {
        this.attemptWaiters.push(r);
        if (first) this.cutSleep?.();
        first = false;
        this.wake();
      });
      if (outcome === "failed" && !persist) return;
      if (outcome === "idle") return;
    }
  }
  /** Stops the loop; waits up to `ms` for an export in flight. */
  async stop(ms) {
    this.stopped = true;
    this.cutSleep?.();
    this.wake();
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.settle("idle");
    let timer;
    await Promise.race([this.running, new Promise((r) => timer = setTimeout(r, ms))]);
    clearTimeout(timer);
    await this.source.close();
  }
  end() {
    const all = this.o.ledger.sorted();
    const last = all[all.length - 1];
    if (last === void 0) return { seq: this.pos.seq, offset: 0 };
    return { seq: last.seq, offset: last.kind === "wal" ? last.written : Number.POSITIVE_INFINITY };
  }
  reached(t) {
    if (this.pos.seq !== t.seq)
      return this.pos.seq > t.seq || this.o.ledger.get(t.seq) === void 0;
    return this.inFlight === 0 && this.pos.offset >= t.offset;
  }
  settle(outcome) {
    for (const w of this.attemptWaiters.splice(0)) w(outcome);
  }
  /**
   * Records of `entry` not yet done (delivered or dropped), with their severities when known: what
   * is lost if the file goes now. The export in flight counts as done: it is retried from memory.
   */
  undelivered(entry) {
    const current = this.pos.seq === entry.seq;
    const done = current ? this.pos.doneInFile + this.inFlight : 0;
    const left = Math.max(0, entry.records - done);
    if (entry.severities === void 0) return [left, void 0];
    const severities = entry.severities.slice();
    if (current) {
      addCounts(severities, this.source.doneSeverities, -1);
      addCounts(severities, this.inFlightSeverities, -1);
    }
    return [left, severities];
  }
  /** The checkpoint for the current position. */
  async saveCheckpoint() {
    const seq = this.pos.seq;
    const position = this.pos.offset;
    const e = this.o.ledger.get(seq);
    this.lastCheckpoint = Date.now();
    await this.flushDownstream();
    return this.o.checkpoints.save({ seq, kind: e?.kind === "spill" ? "spill" : "wal", position });
  }
  /**
   * Downstream exporters may acknowledge a batch before it is durable on their side (the zstd
   * file exporter acknowledges once a batch is in its current frame, and fsyncs on forceFlush).
   * Flushing them before the checkpoint moves or a delivered file is deleted keeps "delivered"
   * from ever meaning "lost by a crash downstream". Bounded by the export timeout.
   */
  async flushDownstream() {
    let timer;
    const timeout = new Promise((resolve2) => {
      timer = setTimeout(resolve2, this.o.exportTimeoutMillis);
      timer.unref();
    });
    try {
      await Promise.race([this.o.exporter.forceFlush(), timeout]);
    } catch (err) {
      this.o.counters.error(err);
    } finally {
      clearTimeout(timer);
    }
  }
  async run() {
    let failures = 0;
    while (!this.stopped) {
      let batch;
      try {
        batch = await this.source.next();
        failures = 0;
      } catch (err) {
        this.o.counters.error(err);
        await this.source.closeReaders().catch(() => {
        });
        if (++failures >= MAX_READ_FAILURES) {
          failures = 0;
          await this.source.giveUp().catch((e) => this.o.counters.error(e));
          continue;
        }
        await this.sleep(backoffMillis(failures - 1, this.o.retry));
        continue;
      }
      if (batch === void 0) continue;
      const n = batch.records.length;
      const batchSeverities = countSeverities(batch.records);
      this.inFlight = n;
      this.inFlightSeverities = batchSeverities;
      const delivered = n > 0 ? await this.deliver(batch.records) : true;
      this.inFlight = 0;
      this.inFlightSeverities = emptyCounts();
      if (!delivered) break;
      if (this.pos.seq === batch.entry.seq) {
        this.pos.offset = batch.end;
        this.pos.doneInFile += n;
        addCounts(this.source.doneSeverities, batchSeverities);
      }
      this.settle("delivered");
      this.maybeCheckpoint();
    }
  }
  waitForData() {
    this.settle("idle");
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => {
      this.wakeUp = r;
    });
  }
  /** Exports until success; false if stopped first. Drops (and counts) records that expire. */
  async deliver(all) {
    let records = all;
    for (let attempt = 0; ; attempt++) {
      records = this.dropExpired(records);
      if (records.length === 0) return true;
      const err = await exportWithTimeout(this.o.exporter, records, this.o.exportTimeoutMillis);
      if (err === void 0) {
        this.o.counters.delivered += records.length;
        return true;
      }
      this.settle("failed");
      this.o.counters.retries++;
      this.o.counters.error(err);
      if (this.stopped) return false;
      await this.sleep(backoffMillis(attempt, this.o.retry));
      if (this.stopped) return false;
    }
  }
  dropExpired(records) {
    const maxAge = this.o.maxRecordAgeMillis;
    if (maxAge === void 0) return records;
    const oldest = Date.now() - maxAge;
    const kept = records.filter((r) => r.hrTime[0] * 1e3 + r.hrTime[1] / 1e6 >= oldest);
    if (kept.length < records.length) {
      const gone = countSeverities(records);
      addCounts(gone, countSeverities(kept), -1);
      this.o.counters.drop("expired", records.length - kept.length, gone);
    }
    return kept;
  }
  sleep(ms) {
    return new Promise((r) => {
      const done = () => {
        clearTimeout(this.sleepTimer);
        this.cutSleep = void 0;
        r();
      };
      this.cutSleep = done;
      this.sleepTimer = setTimeout(done, ms);
      this.sleepTimer.unref();
    });
  }
  maybeCheckpoint() {
    if (this.checkpointTimer !== void 0) return;
    const wait = Math.max(0, this.lastCheckpoint + this.o.checkpointMillis - Date.now());
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = void 0;
      this.saveCheckpoint().catch((err) => this.o.counters.error(err));
    }, wait);
    this.checkpointTimer.unref();
  }
};

// packages/disk-buffer/src/internal/slab.ts
var SLAB_BYTES = 4 * 1024 * 1024;
var slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
var used = 0;
function copyToSlab(src) {
  const n = src.length;
  if (n > SLAB_BYTES / 4) return Buffer.from(src);
  if (used + n > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  out.set(src);
  used += n + 7 & ~7;
  return out;
}

// packages/disk-buffer/src/internal/wal-writer.ts
import * as fs10 from "node:fs";

// packages/disk-buffer/src/internal/wal-segment.ts
import * as fs9 from "node:fs";
import { join as join8 } from "node:path";
import { promisify } from "node:util";
var walIo = {
  writev: promisify(fs9.writev),
  fdatasync: promisify(fs9.fdatasync),
  fsync: promisify(fs9.fsync),
  close: promisify(fs9.close)
};
function createSegmentFile(directory, seq) {
  for (let s = seq; ; s++) {
    const path = join8(directory, segmentFileName(s));
    let fd;
    try {
      fd = fs9.openSync(path, "wx", 384);
    } catch (err) {
      if (err.code === "EEXIST" && s - seq < 16) continue;
      throw err;
    }
    try {
      fs9.writeSync(fd, encodeSegmentHeader(s, Date.now()), 0, SEGMENT_HEADER_BYTES, 0);
    } catch (err) {
      fs9.closeSync(fd);
      fs9.rmSync(path, { force: true });
      throw err;
    }
    return { seq: s, path, fd };
  }
}
var WalDirectory = class {
  constructor(path) {
    this.path = path;
  }
  path;
  fd;
  async sync() {
    this.fd ??= fs9.openSync(this.path, "r");
    await walIo.fsync(this.fd);
  }
  syncSync() {
    this.fd ??= fs9.openSync(this.path, "r");
    fs9.fsyncSync(this.fd);
  }
  close() {
    if (this.fd !== void 0) fs9.closeSync(this.fd);
    this.fd = void 0;
  }
};
var OpenSegment = class {
  constructor(entry, fd, dir2) {
    this.entry = entry;
    this.fd = fd;
    this.dir = dir2;
  }
  entry;
  fd;
  dir;
  /** Writes in flight to this file. */
  inFlight = 0;
  /** No more appends: it closes once its writes land. */
  retired = false;
  /** Written ranges that landed ahead of `entry.written` (offset → end). */
  ahead = /* @__PURE__ */ new Map();
  /** Bytes landed since the last sync started. */
  dirty = true;
  /** Created and its directory entry not yet fsynced. */
  fresh = true;
  /** The fdatasync in flight, if any: it covers every write that landed before it started. */
  syncing;
  /** Bytes `offset..end` are written: advances `entry.written` over every contiguous range. */
  landed(offset, end) {
    this.dirty = true;
    if (offset !== this.entry.written) {
      this.ahead.set(offset, end);
      return;
    }
    this.entry.written = end;
    for (let next = this.ahead.get(end); next !== void 0; next = this.ahead.get(next)) {
      this.ahead.delete(this.entry.written);
      this.entry.written = next;
    }
  }
  /** True when every byte before `offset`, and none after it, has landed. */
  writtenTo(offset) {
    return this.ahead.size === 0 && this.entry.written === offset;
  }
  /**
   * Resolves once every write that landed before the call is durable. A sync already in flight is
   * awaited rather than skipped: it may have cleared `dirty` for the caller's writes.
   */
  async sync() {
    if (!this.dirty) {
      if (this.syncing) await this.syncing;
      return;
    }
    this.dirty = false;
    const sync = this.syncNow();
    this.syncing = sync;
    try {
      await sync;
    } finally {
      if (this.syncing === sync) this.syncing = void 0;
    }
  }
  /** `sync`, synchronously (it covers everything landed, whatever is in flight). */
  syncSync() {
    fs9.fdatasyncSync(this.fd);
    this.dirty = false;
    if (this.fresh) {
      this.fresh = false;
      this.dir.syncSync();
    }
  }
  async syncNow() {
    const previous = this.syncing;
    await walIo.fdatasync(this.fd);
    if (previous) await previous;
    if (this.fresh) {
      this.fresh = false;
      await this.dir.sync();
    }
  }
};

// packages/disk-buffer/src/internal/wal-writer.ts
var WalWriter = class {
  constructor(o) {
    this.o = o;
    this.nextSeq = o.firstSeq;
    this.dir = new WalDirectory(o.directory);
    if (o.mode === "interval") {
      this.timer = setInterval(() => void this.syncDirty(), o.intervalMillis);
      this.timer.unref();
    }
  }
  o;
  active;
  open = /* @__PURE__ */ new Set();
  pending = [];
  flushing = false;
  idleWaiters = [];
  nextSeq;
  timer;
  dir;
  /** Seq of the segment appends go to now (opening it when needed). */
  get activeSeq() {
    return this.active?.entry.seq;
  }
  /**
   * Queues `frame` (header space included, sealed here); `done` runs once it is written (and
   * fsynced under 'always'). Throws only when no segment can be created (e.g. ENOSPC).
   */
  append(frame, count, severities, done) {
    const p = this.assign(frame, count, severities, done);
    this.pending.push(p);
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => void this.loop());
    }
  }
  /** Writes every pending frame and `frame`, then fdatasyncs, synchronously. */
  appendSync(frame, count, severities) {
    let failure;
    const own = this.assign(frame, count, severities, (err) => {
      failure = err;
    });
    const batch = this.pending;
    this.pending = [];
    batch.push(own);
    const touched = /* @__PURE__ */ new Set();
    for (const group of groupBySegment(batch)) {
      const seg = group[0].seg;
      try {
        fs10.writevSync(
          seg.fd,
          group.map((p) => p.frame),
          group[0].offset
        );
        seg.landed(group[0].offset, lastEnd(group));
        touched.add(seg);
      } catch (err) {
        this.fail(seg, group, err);
      }
    }
    for (const seg of touched) seg.syncSync();
    for (const p of batch) if (touched.has(p.seg)) p.done();
    void this.closeRetired();
    this.o.onWritten();
    if (failure) throw failure;
  }
  /** Resolves when everything appended so far is written and, unless 'never', fsynced. */
  async flush() {
    if (this.flushing) await new Promise((r) => this.idleWaiters.push(r));
    await this.syncDirty();
  }
  /** Retires the active segment (it closes once its writes land); the next append opens a new one. */
  retireActive() {
    if (this.active === void 0) return;
    this.active.retired = true;
    this.active = void 0;
    void this.closeRetired();
  }
  /** Flushes, then closes every segment; later appends open a new one. */
  async close() {
    await this.flush();
    if (this.timer) clearInterval(this.timer);
    if (this.active) this.active.retired = true;
    this.active = void 0;
    await this.closeRetired();
    this.dir.close();
  }
  assign(frame, count, severities, done) {
    let seg = this.active;
    if (seg === void 0 || seg.retired || seg.entry.records > 0 && seg.entry.bytes + frame.length > this.o.segmentBytes) {
      seg = this.rotate();
    }
    const p = {
      seg,
      offset: seg.entry.bytes,
      firstIndex: seg.entry.records,
      frame,
      severities,
      done
    };
    addCounts(seg.entry.severities, severities);
    sealFrame(frame, count, seg.entry.records);
    seg.entry.bytes += frame.length;
    seg.entry.records += count;
    return p;
  }
  /** Retires the active segment and creates the next one (synchronously: one open + 32 bytes). */
  rotate() {
    if (this.active) {
      this.active.retired = true;
      this.active = void 0;
      void this.closeRetired();
    }
    const { seq, path, fd } = createSegmentFile(this.o.directory, this.nextSeq);
    this.nextSeq = seq + 1;
    this.o.holds.hold(path);
    const entry = {
      kind: "wal",
      seq,
      path,
      bytes: SEGMENT_HEADER_BYTES,
      records: 0,
      written: SEGMENT_HEADER_BYTES,
      closed: false,
      scanned: void 0,
      verified: true,
      evicted: false,
      severities: emptyCounts()
    };
    this.o.ledger.set(entry);
    const seg = new OpenSegment(entry, fd, this.dir);
    this.open.add(seg);
    this.active = seg;
    return seg;
  }
  /**
   * Writes rounds until nothing is pending. Pipelined by one round: the frames of a round are
   * acknowledged once the next round's writes are under way, so the exports those callbacks
   * trigger are encoded on the event loop while the disk works on the round before.
   */
  async loop() {
    let written = [];
    let touched = /* @__PURE__ */ new Set();
    for (; ; ) {
      const batch = this.pending;
      this.pending = [];
      const round = batch.length > 0 ? this.writeRound(batch) : void 0;
      for (const p of written) if (touched.has(p.seg)) p.done();
      written = [];
      if (round === void 0) {
        if (this.pending.length > 0) continue;
        break;
      }
      touched = await round;
      written = batch;
      this.o.onWritten();
      await this.closeRetired();
    }
    this.flushing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
  /** Writes `batch` (fdatasync under 'always'); resolves to the segments written. */
  async writeRound(batch) {
    const touched = /* @__PURE__ */ new Set();
    for (const group of groupBySegment(batch)) {
      const seg = group[0].seg;
      seg.inFlight++;
      try {
        await walIo.writev(
          seg.fd,
          group.map((p) => p.frame),
          group[0].offset
        );
        seg.landed(group[0].offset, lastEnd(group));
        touched.add(seg);
      } catch (err) {
        this.fail(seg, group, err);
      } finally {
        seg.inFlight--;
      }
    }
    if (this.o.mode === "always") {
      for (const seg of touched) {
        try {
          await seg.sync();
        } catch (err) {
          touched.delete(seg);
          this.fail(
            seg,
            batch.filter((p) => p.seg === seg),
            err
          );
        }
      }
    }
    return touched;
  }
  /**
   * A write failed (ENOSPC, EIO): its frames fail, the segment is cut back to what is written and
   * retired, so the next append starts a fresh segment.
   */
  fail(seg, group, err) {
    const failed = new Set(group);
    for (const p of this.pending) if (p.seg === seg) failed.add(p);
    this.pending = this.pending.filter((p) => p.seg !== seg);
    const first = group[0];
    if (seg.writtenTo(first.offset)) {
      try {
        fs10.ftruncateSync(seg.fd, first.offset);
        seg.entry.bytes = first.offset;
        seg.entry.records = first.firstIndex;
        for (const p of failed) addCounts(seg.entry.severities, p.severities, -1);
      } catch {
      }
    }
    seg.retired = true;
    if (this.active === seg) this.active = void 0;
    for (const p of failed) p.done(err);
  }
  async syncDirty() {
    if (this.o.mode === "never") return;
    for (const seg of this.open) {
      try {
        await seg.sync();
      } catch {
      }
    }
  }
  async closeRetired() {
    for (const seg of [...this.open]) {
      if (!this.open.has(seg) || !seg.retired || seg.inFlight > 0) continue;
      if (this.pending.some((p) => p.seg === seg)) continue;
      this.open.delete(seg);
      if (seg.entry.written < seg.entry.bytes) seg.entry.written = seg.entry.bytes;
      try {
        if (this.o.mode !== "never") await seg.sync();
      } catch (err) {
        this.o.onError(err);
      }
      try {
        await walIo.close(seg.fd);
      } catch (err) {
        this.o.onError(err);
      }
      this.o.holds.release(seg.entry.path);
      seg.entry.closed = true;
      this.o.onWritten();
    }
  }
};
function groupBySegment(batch) {
  const groups = [];
  let current = [];
  for (const p of batch) {
    const prev = current[current.length - 1];
    if (prev !== void 0 && (prev.seg !== p.seg || prev.offset + prev.frame.length !== p.offset)) {
      groups.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
function lastEnd(group) {
  const last = group[group.length - 1];
  return last.offset + last.frame.length;
}

// packages/disk-buffer/src/disk-buffered-log-record-exporter.ts
var DiskBufferedLogRecordExporter = class {
  o;
  downstream;
  counters = new Counters();
  ledger = new Ledger();
  lock;
  writer;
  sender;
  spiller;
  space;
  holds;
  encoder = new ByteWriter();
  uid;
  recovering = 0;
  recovery = Promise.resolve();
  closing = false;
  shutdownOnce;
  constructor(options) {
    this.o = resolveOptions(options);
    this.downstream = options.exporter;
    const dir2 = this.o.directory;
    fs11.mkdirSync(dir2, { recursive: true, mode: 448 });
    this.lock = DirLock.acquire(dir2);
    try {
      const lockPath = join9(dir2, "lock");
      if (this.lock.takeover) this.counters.warn(lockPath, this.lock.takeover);
      if (this.lock.displaced)
        this.counters.skip(lockPath, `not a file: moved to ${this.lock.displaced}`);
      for (const name of [CHECKPOINT_FILE, `${CHECKPOINT_FILE}.tmp`]) {
        const aside = displaceIfNotFile(join9(dir2, name));
        if (aside) this.counters.skip(join9(dir2, name), `not a file: moved to ${aside}`);
      }
      const cp = readCheckpointSync(dir2);
      if (cp.state === "corrupt")
        this.counters.error(new Error(`checkpoint ignored: ${cp.reason}`));
      const listed = listDirectory(dir2, this.ledger, this.counters);
      const checkpoint = trustedCheckpoint(
        this.ledger,
        cp.state === "ok" ? cp.checkpoint : void 0
      );
      this.space = new DiskSpace(dir2);
      this.holds = new FileHolds(
        () => this.space.refreshSync(),
        (err) => this.counters.error(err)
      );
      const start = startPosition(this.ledger, checkpoint, listed.nextSeq);
      this.writer = new WalWriter({
        directory: dir2,
        ledger: this.ledger,
        holds: this.holds,
        mode: this.o.fsyncMode,
        intervalMillis: this.o.intervalMillis,
        segmentBytes: this.o.segmentBytes,
        firstSeq: listed.nextSeq,
        onWritten: () => {
          this.sender.wake();
          this.spiller.maybeSpill();
        },
        onError: (err) => this.counters.error(err)
      });
      this.spiller = new Spiller({
        directory: dir2,
        ledger: this.ledger,
        counters: this.counters,
        holds: this.holds,
        spillAfterBytes: this.o.spillAfterBytes,
        serviceName: this.o.serviceName,
        busy: (seq) => seq <= this.sender.pos.seq || seq === this.writer.activeSeq,
        onSpilled: () => this.sender.wake()
      });
      this.sender = new Sender(
        {
          ledger: this.ledger,
          counters: this.counters,
          holds: this.holds,
          exporter: this.downstream,
          checkpoints: new CheckpointStore(dir2, this.o.fsyncMode !== "never"),
          retry: this.o.retry,
          exportTimeoutMillis: this.o.exportTimeoutMillis,
          maxBatchRecords: this.o.maxExportBatchSize,
          maxRecordAgeMillis: this.o.maxRecordAgeMillis,
          checkpointMillis: 1e3,
          openSpill: (entry, skip) => this.spiller.open(entry, skip),
          onFileDeleted: () => this.space.refreshSync()
        },
        start
      );
      this.recovery = recoverInBackground(
        listed.spills,
        listed.segments,
        this.counters,
        checkpoint,
        {
          onStart: () => this.recovering++,
          onDone: () => this.recovering--,
          onResume: (seq, r) => {
            const pos = this.sender.pos;
            if (pos.seq === seq) {
              pos.offset = r.resumeOffset;
              pos.doneInFile = r.deliveredBefore;
            }
          }
        }
      );
    } catch (err) {
      this.lock.release();
      throw err;
    }
    if (this.o.recordUid) {
      const prefix = randomBytes(8).toString("hex");
      let n = 0;
      this.uid = { key: "log.record.uid", value: () => `${prefix}-${(n++).toString(36)}` };
    }
    if (options.meterProvider) registerMetrics(options.meterProvider, () => this.getStats());
    this.sender.start();
    this.spiller.maybeSpill();
  }
  /**
   * Appends the batch to the WAL; `resultCallback(SUCCESS)` once it is durable per `fsync`.
   * FAILED (never a throw) after shutdown, at the disk cap with `drop_newest` (counted
   * `disk_full`), or on a disk error.
   */
  export(records, resultCallback) {
    if (this.closing) {
      resultCallback({ code: ExportResultCode2.FAILED, error: new Error("exporter is shut down") });
      return;
    }
    if (records.length === 0) {
      resultCallback({ code: ExportResultCode2.SUCCESS });
      return;
    }
    let frames;
    try {
      frames = this.encode(records);
    } catch (err) {
      resultCallback({ code: ExportResultCode2.FAILED, error: err });
      return;
    }
    let left = frames.length;
    let failure;
    const done = (err) => {
      if (err) failure = err;
      if (--left === 0) {
        resultCallback(
          failure ? { code: ExportResultCode2.FAILED, error: failure } : { code: ExportResultCode2.SUCCESS }
        );
      }
    };
    for (const [frame, count, severities] of frames) {
      if (!this.admit(frame.length, count, severities)) {
        done(new Error(`disk buffer full: ${count} records dropped (disk_full)`));
        continue;
      }
      this.counters.accepted += count;
      try {
        this.writer.append(frame, count, severities, (err) => {
          if (err) this.diskError(err, count, severities);
          done(err);
        });
      } catch (err) {
        this.diskError(err, count, severities);
        done(err);
      }
    }
  }
  /**
   * Appends and fdatasyncs synchronously (whatever the `fsync` policy), with every batch queued
   * before it: for FATAL records and process exit. Never throws: a failure is counted and sent to the global error handler.
   */
  exportSync(records) {
    if (records.length === 0) return;
    if (this.closing) {
      globalErrorHandler2(
        new Error(`exportSync after shutdown: ${records.length} records not written`)
      );
      return;
    }
    try {
      for (const [frame, count, severities] of this.encode(records)) {
        if (!this.admit(frame.length, count, severities)) continue;
        this.counters.accepted += count;
        try {
          this.writer.appendSync(frame, count, severities);
        } catch (err) {
          this.diskError(err, count, severities);
          globalErrorHandler2(err);
        }
      }
    } catch (err) {
      globalErrorHandler2(err);
    }
  }
  /**
   * Resolves when everything accepted before the call is durable (fsynced unless `'never'`) and
   * the sender has finished one delivery attempt of the backlog (or delivered all of it).
   */
  async forceFlush() {
    await this.writer.flush();
    await this.sender.attemptUntilCaughtUp(false);
  }
  /**
   * Stops accepting, makes everything durable, tries to deliver the backlog for up to
   * `shutdownTimeoutMillis`, saves the checkpoint, closes files, releases the lock and shuts the
   * downstream exporter down. Idempotent.
   */
  shutdown() {
    this.shutdownOnce ??= this.doShutdown();
    return this.shutdownOnce;
  }
  async doShutdown() {
    this.closing = true;
    try {
      await this.writer.flush();
      await withTimeout(this.sender.attemptUntilCaughtUp(true), this.o.shutdownTimeoutMillis);
      await this.sender.stop(this.o.exportTimeoutMillis);
      await this.spiller.stop();
      await withTimeout(this.recovery, this.o.exportTimeoutMillis);
      await this.sender.saveCheckpoint().catch((err) => this.counters.error(err));
      await this.writer.close();
    } catch (err) {
      this.counters.error(err);
      globalErrorHandler2(err);
    } finally {
      this.lock.release();
    }
    try {
      await this.downstream.shutdown();
    } catch (err) {
      globalErrorHandler2(err);
    }
  }
  /** A snapshot of the counters; cheap (no I/O). */
  getStats() {
    const t = this.ledger.totals();
    const cur = this.ledger.get(this.sender.pos.seq);
    const done = cur ? this.sender.pos.doneInFile : 0;
    const c = this.counters;
    return {
      pendingRecords: Math.max(0, t.walRecords + t.spillRecords - done),
      pendingBytes: t.walBytes + t.spillBytes,
      walRecords: t.walRecords - (cur?.kind === "wal" ? done : 0),
      walBytes: t.walBytes,
      spillRecords: t.spillRecords - (cur?.kind === "spill" ? done : 0),
      spillBytes: t.spillBytes,
      acceptedRecords: c.accepted,
      deliveredRecords: c.delivered,
      retries: c.retries,
      dropped: { ...c.dropped },
      droppedBySeverity: severityRecord(c.droppedBySeverity),
      corruptFrames: c.corruptFrames,
      truncatedBytes: c.truncatedBytes,
      skippedFiles: c.skippedFiles,
      diskBytes: this.ledger.totalBytes(),
      recovering: this.recovering > 0,
      lastError: c.lastError
    };
  }
  /** Frames (header space + payload) of at most MAX_FRAME_PAYLOAD, with their records' counts. */
  encode(records) {
    const w = this.encoder;
    w.reset(FRAME_HEADER_BYTES);
    encodeBatch(w, records, this.uid);
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD && records.length > 1) {
      const half = records.length >> 1;
      return [...this.encode(records.slice(0, half)), ...this.encode(records.slice(half))];
    }
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD) {
      throw new RangeError(
        `record too large: ${w.pos - FRAME_HEADER_BYTES} bytes encoded, limit ${MAX_FRAME_PAYLOAD}`
      );
    }
    return [[copyToSlab(w.buf.subarray(0, w.pos)), records.length, countSeverities(records)]];
  }
  /**
   * Makes room for `bytes` under the cap and the free-space floor, evicting the oldest files with
   * `drop_oldest`. False (records counted `disk_full`) when the batch must be dropped.
   */
  admit(bytes, count, severities) {
    const fits = () => this.ledger.totalBytes() + bytes + SEGMENT_HEADER_BYTES <= this.o.maxDiskBytes && this.space.freeBytes() - bytes >= this.o.minFreeBytes;
    if (!fits()) this.space.refreshSync();
    while (!fits()) {
      if (this.o.whenFull === "drop_newest" || !this.evictOldest()) {
        this.counters.drop("disk_full", count, severities);
        return false;
      }
    }
    this.space.noteAppended(bytes);
    return true;
  }
  /** Deletes the oldest file that is not being written or verified, counting what it held. */
  evictOldest() {
    const active = this.writer.activeSeq;
    let victim = this.ledger.sorted().find((e) => e.seq !== active && e.verified);
    const current = active === void 0 ? void 0 : this.ledger.get(active);
    if (victim === void 0 && current !== void 0 && current.records > 0) {
      this.writer.retireActive();
      victim = current;
    }
    if (victim === void 0) return false;
    this.counters.drop("disk_full", ...this.sender.undelivered(victim));
    victim.evicted = true;
    this.ledger.delete(victim.seq);
    this.holds.remove(victim.path, victim.kind === "spill" ? [`${victim.path}.idx`] : []);
    this.space.noteAppended(-victim.bytes);
    this.sender.evicted(victim.seq);
    return true;
  }
  diskError(err, count, severities) {
    this.counters.drop("disk_full", count, severities);
    this.counters.accepted -= count;
    this.counters.error(err);
    this.space.refreshSync();
  }
};
function withTimeout(p, ms) {
  return new Promise((resolve2) => {
    const t = setTimeout(resolve2, ms);
    p.finally(() => {
      clearTimeout(t);
      resolve2();
    });
  });
}

// .w1-probe.mjs
import { mkdtempSync } from "node:fs";
import { tmpdir as tmpdir2 } from "node:os";
import { join as join10 } from "node:path";
import { resourceFromAttributes as resourceFromAttributes4 } from "@opentelemetry/resources";
var dir = mkdtempSync(join10(tmpdir2(), "spw-probe-"));
var down = { export: (r, cb) => cb({ code: 0 }), shutdown: async () => {
}, forceFlush: async () => {
} };
var res = resourceFromAttributes4({ "service.name": "p" });
var rec = (i) => ({ hrTime: [1, i], hrTimeObserved: [1, i], severityNumber: 9, severityText: "INFO", body: `record ${i}`, attributes: { "test.id": i, a: "value-a", b: 42 }, resource: res, instrumentationScope: { name: "s" }, droppedAttributesCount: 0 });
for (const n of [512, 1024, 2048, 4096]) {
  const batch = Array.from({ length: n }, (_, i) => rec(i));
  const d = new DiskBufferedLogRecordExporter({ exporter: down, directory: join10(dir, String(n)), fsync: { intervalMillis: 200 } });
  for (let k = 0; k < 5; k++) d.exportSync(batch);
  const t = [];
  for (let k = 0; k < 41; k++) {
    const t0 = performance.now();
    d.exportSync(batch);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  console.log(n, "exportSync median", t[20].toFixed(2), "ms", (t[20] * 1e3 / n).toFixed(2), "us/record");
  await d.shutdown();
}
