import { ByteReader } from '../../src/internal/byte-reader';
import { ByteWriter } from '../../src/internal/byte-writer';
import * as T from '../../src/internal/record-tags';

/**
 * The same batch as codec version 1 (FORMAT.md: each string in place, as UTF-8 bytes after their
 * byte length): the version 2 payload's structure walked by its grammar, every text moved in place.
 * The codec no longer writes version 1; readers still meet it in old WAL files.
 */
export function toInlineStrings(v2: Buffer): Buffer {
  const textAt = v2.readUInt32LE(1);
  const rd = new ByteReader(v2, 5, textAt);
  rd.useText(v2.toString('utf8', textAt));
  const w = new ByteWriter(v2.length * 2 + 16);
  w.u8(T.CODEC_VERSION_INLINE_STRINGS);
  const copied = <V>(read: () => V): V => {
    const at = rd.pos;
    const v = read();
    w.raw(v2.subarray(at, rd.pos));
    return v;
  };
  const varint = () => copied(() => rd.varint());
  const u8 = () => copied(() => rd.u8());
  const fixed = (n: number) => copied(() => rd.bytes(n));
  const text = () => {
    const b = Buffer.from(rd.string(), 'utf8');
    w.varint(b.length);
    w.raw(b);
  };
  const optText = () => {
    if (u8() === 1) text();
  };
  const time = () => {
    if (copied(() => rd.u32()) === T.HR_WIDE) fixed(16);
    else fixed(4);
  };
  const map = () => {
    for (let n = varint(); n > 0; n--) {
      text();
      value();
    }
  };
  const value = (): void => {
    const tag = u8();
    if (tag === T.T_INT) varint();
    else if (tag === T.T_DOUBLE) fixed(8);
    else if (tag === T.T_STRING || tag === T.T_BIGINT) text();
    else if (tag === T.T_BYTES) fixed(varint());
    else if (tag === T.T_ARRAY) for (let n = varint(); n > 0; n--) value();
    else if (tag === T.T_MAP) map();
  };
  for (let n = varint(); n > 0; n--) {
    map();
    optText();
  }
  for (let n = varint(); n > 0; n--) {
    text();
    optText();
    optText();
    if (u8() === 1) map();
    varint();
  }
  for (let n = varint(); n > 0; n--) {
    varint();
    varint();
    const flags = u8();
    time();
    time();
    if (flags & T.F_SEVERITY_NUMBER) varint();
    if (flags & T.F_SEVERITY_TEXT) text();
    if (flags & T.F_BODY) value();
    if (flags & T.F_EVENT_NAME) text();
    if (flags & T.F_SPAN) {
      if (flags & T.F_TEXT_IDS) {
        text();
        text();
      } else {
        fixed(24);
      }
      varint();
      if (flags & T.F_TRACE_STATE) text();
    }
    map();
    varint();
  }
  return Buffer.from(w.buf.subarray(0, w.pos));
}
