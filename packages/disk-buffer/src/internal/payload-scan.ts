import { isAscii } from 'node:buffer';
import { classOfSeverityNumber, severityClassOf } from '@spillway/record-format';
import { ByteReader } from './byte-reader';
import { CorruptRecordError } from './errors';
import { earlier, timeMs } from './record-age';
import * as T from './record-tags';
import type { SeverityCounts } from './severity-counts';

/*
 * What the sender needs of a frame read back from the WAL, without decoding it: how many records
 * it holds, how many of each severity class, and its oldest record's time (for maxRecordAgeMillis).
 * The records themselves are decoded only if a downstream asks (stored-batch.ts).
 *
 * The scan walks the payload as the decoder (record-decoder.ts) does and throws wherever the
 * decoder would throw, so a payload it accepts decodes: a damaged frame is still counted when it
 * is read, not when (or whether) some exporter decodes it. What it skips is what costs: objects,
 * strings and hex ids are not built. The text block is decoded only when it is not ASCII (its
 * length in UTF-16 units is what the stored lengths count).
 */

export interface PayloadScan {
  /** Records in the payload. */
  count: number;
  /** The earliest record time in ms since the epoch; -Infinity when a time is not a number. */
  oldestMs: number;
}

/** Decoder bound on value nesting (record-decoder.ts: deeper is damage). */
const MAX_DEPTH = 64;
/** `new Array(n)` throws beyond this: the decoder's arrays of records and of values. */
const MAX_ARRAY = 0xffffffff;

/**
 * Scans `payload` (one record-codec batch payload): its record count and oldest time, with its
 * severity classes added into `severities` (only when the scan succeeds). Throws where
 * `BatchDecoder.decode` would.
 */
export function scanPayload(payload: Buffer, severities: SeverityCounts): PayloadScan {
  return new Scan(payload).run(severities);
}

class Scan {
  private readonly rd: ByteReader;
  private readonly inline: boolean;
  /** Version 2: the text block's start, its length in UTF-16 units, and the position in it. */
  private textAt = 0;
  private textUnits = 0;
  private tp = 0;
  /** The decoded text block, when it is not ASCII (else strings are cut from the bytes). */
  private text: string | undefined;

  constructor(private readonly buf: Buffer) {
    const end = buf.length;
    const version = buf[0];
    if (version === T.CODEC_VERSION) {
      const textAt = end >= 5 ? buf.readUInt32LE(1) : 0;
      if (textAt < 5 || textAt > end) {
        throw new CorruptRecordError(`text block offset ${textAt} outside the payload`);
      }
      this.rd = new ByteReader(buf, 5, textAt);
      this.inline = false;
      this.textAt = textAt;
      if (isAscii(buf.subarray(textAt, end))) {
        this.textUnits = end - textAt;
      } else {
        this.text = buf.toString('utf8', textAt, end);
        this.textUnits = this.text.length;
      }
    } else if (version === T.CODEC_VERSION_INLINE_STRINGS) {
      this.rd = new ByteReader(buf, 1, end);
      this.inline = true;
    } else {
      throw new CorruptRecordError(`unknown codec version ${version}`);
    }
  }

  run(severities: SeverityCounts): PayloadScan {
    const rd = this.rd;
    const nRes = rd.varint();
    for (let i = 0; i < nRes; i++) {
      this.map(0);
      if (rd.u8() === 1) this.skipString();
    }
    const nScopes = rd.varint();
    for (let i = 0; i < nScopes; i++) {
      this.skipString();
      if (rd.u8() === 1) this.skipString();
      if (rd.u8() === 1) this.skipString();
      if (rd.u8() === 1) this.map(0);
      rd.varint();
    }
    const n = rd.varint();
    if (n > MAX_ARRAY) throw new CorruptRecordError(`payload claims ${n} records`);
    const classes = new Array<number>(severities.length).fill(0);
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (rd.varint() >= nRes || rd.varint() >= nScopes) {
        throw new CorruptRecordError(
          `record ${i} names a resource or scope that is not in the batch`,
        );
      }
      const flags = rd.u8();
      oldest = earlier(oldest, this.timeMs());
      this.timeMs();
      const number = flags & T.F_SEVERITY_NUMBER ? rd.varint() : undefined;
      let cls = classOfSeverityNumber(number);
      if (flags & T.F_SEVERITY_TEXT) {
        if (cls >= 0) this.skipString();
        else cls = severityClassOf(undefined, this.string());
      } else if (cls < 0) {
        cls = severityClassOf(undefined, undefined);
      }
      if (flags & T.F_BODY) this.value(0);
      if (flags & T.F_EVENT_NAME) this.skipString();
      if (flags & T.F_SPAN) {
        if (flags & T.F_TEXT_IDS) {
          this.skipString();
          this.skipString();
        } else {
          rd.skip(24);
        }
        rd.varint();
        if (flags & T.F_TRACE_STATE) this.skipString();
      }
      this.map(0);
      rd.varint();
      classes[cls]!++;
    }
    if (rd.pos !== rd.end) {
      throw new CorruptRecordError(`payload has ${rd.end - rd.pos} bytes after its last record`);
    }
    if (!this.inline && this.tp !== this.textUnits) {
      throw new CorruptRecordError('text block has chars after its last string');
    }
    for (let c = 0; c < classes.length; c++) severities[c]! += classes[c]!;
    return { count: n, oldestMs: oldest };
  }

  /** An hrtime, as ms since the epoch (record-age.ts). */
  private timeMs(): number {
    const rd = this.rd;
    const ns = rd.u32();
    if (ns === T.HR_WIDE) {
      const s = rd.f64le();
      return timeMs(s, rd.f64le());
    }
    return timeMs(rd.u32(), ns);
  }

  private skipString(): void {
    const len = this.rd.varint();
    if (this.inline) {
      this.rd.skip(len);
      return;
    }
    const to = this.tp + len;
    if (to > this.textUnits) {
      throw new CorruptRecordError(
        `text overrun: need ${len} chars at ${this.tp}, text has ${this.textUnits}`,
      );
    }
    this.tp = to;
  }

  /** A string, built (only for the few the scan reads: a severity text with no number, a bigint). */
  private string(): string {
    const rd = this.rd;
    if (this.inline) {
      const len = rd.varint();
      const at = rd.pos;
      rd.skip(len);
      return this.buf.toString('utf8', at, at + len);
    }
    const from = this.tp;
    this.skipString();
    return this.text !== undefined
      ? this.text.slice(from, this.tp)
      : this.buf.toString('latin1', this.textAt + from, this.textAt + this.tp);
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new CorruptRecordError('values nested deeper than 64');
    const rd = this.rd;
    const tag = rd.u8();
    switch (tag) {
      case T.T_NULL:
      case T.T_UNDEFINED:
      case T.T_FALSE:
      case T.T_TRUE:
        return;
      case T.T_INT:
        rd.varint();
        return;
      case T.T_DOUBLE:
        rd.skip(8);
        return;
      case T.T_STRING:
        this.skipString();
        return;
      case T.T_BYTES:
        rd.skip(rd.varint());
        return;
      case T.T_ARRAY: {
        const n = rd.varint();
        if (n > MAX_ARRAY) throw new CorruptRecordError(`array of ${n} values`);
        for (let i = 0; i < n; i++) this.value(depth + 1);
        return;
      }
      case T.T_MAP:
        this.map(depth + 1);
        return;
      case T.T_BIGINT:
        // The decoder builds it, and BigInt() throws on text that is not an integer.
        BigInt(this.string());
        return;
      default:
        throw new CorruptRecordError(`unknown value tag ${tag} at ${rd.pos - 1}`);
    }
  }

  private map(depth: number): void {
    const n = this.rd.varint();
    for (let i = 0; i < n; i++) {
      this.skipString();
      this.value(depth);
    }
  }
}
