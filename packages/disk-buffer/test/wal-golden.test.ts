import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '@spillway/record-format';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLogRecordBatch, encodeLogRecordBatch } from '../src/index';
import { removeTempDirs, tempDir } from './helpers/records';
import { drain } from './helpers/wal-files';

// Golden bytes: a segment built by hand from FORMAT.md's field lists (not by the encoder), read by
// the real reader. If the writer or the reader drifts from the document, this fails.

afterEach(removeTempDirs);

/** Appends bytes field by field, as FORMAT.md lists them. */
class Bytes {
  private readonly parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.u8(Math.floor(v / 2 ** (8 * i)));
    return this;
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  varint(v: number): this {
    let n = v;
    while (n >= 0x80) {
      this.u8((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    return this.u8(n);
  }
  raw(b: Buffer | string): this {
    for (const x of typeof b === 'string' ? Buffer.from(b, 'latin1') : b) this.u8(x);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Buffer {
    return Buffer.from(this.parts);
  }
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

/** Codec version 2 payload of one record, with every optional field present. */
function payload(): Buffer {
  const texts: string[] = [];
  /** `text`: varint length in UTF-16 code units; the characters go in the text block. */
  const text = (s: string) => {
    texts.push(s);
    return s.length;
  };
  const st = new Bytes();
  st.varint(1); // R
  st.varint(1).varint(text('service.name')).u8(6).varint(text('svc')); // map: key, text value
  st.u8(0); // hasSchemaUrl
  st.varint(1); // S
  st.varint(text('lib')).u8(0).u8(0).u8(0).varint(0); // name, no version/schema/attributes, dropped
  st.varint(1); // N
  st.varint(0).varint(0); // resource index, scope index
  st.u8(0x01 | 0x02 | 0x04 | 0x08 | 0x20); // span, severityText, severityNumber, body, traceState
  st.u32(5).u32(1_700_000_000); // time: nanoseconds, seconds
  st.u32(6).u32(1_700_000_001); // observed time
  st.varint(9); // severityNumber
  st.varint(text('INFO')); // severityText
  st.u8(6).varint(text('hello')); // body: text value
  st.raw(Buffer.from(TRACE_ID, 'hex')).raw(Buffer.from(SPAN_ID, 'hex')); // binary ids
  st.varint(1); // traceFlags: after the ids, binary or text
  st.varint(text('k=v')); // traceState
  st.varint(1).varint(text('test.id')).u8(4).varint(14); // attributes: test.id = int 7 (zigzag 14)
  st.varint(0); // droppedAttributesCount
  const structure = st.build();
  const head = new Bytes().u8(2).u32(5 + structure.length);
  return Buffer.concat([head.build(), structure, Buffer.from(texts.join(''), 'utf8')]);
}

function frame(body: Buffer, count: number, firstIndex: number): Buffer {
  const rest = new Bytes().u32(body.length).u32(count).u64(firstIndex).raw(body).build();
  return Buffer.concat([
    new Bytes()
      .raw('SPFR')
      .u32(crc32(rest, 0, rest.length))
      .build(),
    rest,
  ]);
}

function segmentHeader(seq: number, created: number): Buffer {
  const b = new Bytes().raw('SPWL').u8(1).u8(0).u8(0).u8(0).u64(seq).u64(created).build();
  return Buffer.concat([
    b,
    new Bytes()
      .u32(crc32(b, 0, 24))
      .u32(0)
      .build(),
  ]);
}

describe('WAL format (golden bytes from FORMAT.md)', () => {
  it('should decode a hand-built codec version 2 payload field by field', () => {
    const [r] = decodeLogRecordBatch(payload());
    expect(r!.hrTime).toEqual([1_700_000_000, 5]);
    expect(r!.hrTimeObserved).toEqual([1_700_000_001, 6]);
    expect(r!.severityNumber).toBe(9);
    expect(r!.severityText).toBe('INFO');
    expect(r!.body).toBe('hello');
    expect(r!.spanContext?.traceId).toBe(TRACE_ID);
    expect(r!.spanContext?.spanId).toBe(SPAN_ID);
    expect(r!.spanContext?.traceFlags).toBe(1);
    expect(r!.spanContext?.traceState?.serialize()).toBe('k=v');
    expect(r!.attributes).toEqual({ 'test.id': 7 });
    expect(r!.resource.attributes).toEqual({ 'service.name': 'svc' });
    expect(r!.instrumentationScope.name).toBe('lib');
  });

  it('should encode that record to the same bytes', () => {
    expect(encodeLogRecordBatch(decodeLogRecordBatch(payload())).equals(payload())).toBe(true);
  });

  it('should deliver the records of a hand-built segment of two frames', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const p = payload();
    const seg = Buffer.concat([
      segmentHeader(3, 1_700_000_000_000),
      frame(p, 1, 0),
      frame(p, 1, 1),
    ]);
    writeFileSync(join(dir, '000000000003.wal'), seg);
    const { down, exporter } = await drain(dir);
    expect(down.records).toHaveLength(2);
    expect(down.records[1]!.body).toBe('hello');
    expect(down.records[1]!.spanContext?.traceFlags).toBe(1);
    const s = exporter.getStats();
    expect(s.corruptFrames).toBe(0);
    expect(s.truncatedBytes).toBe(0);
    expect(s.skippedFiles).toBe(0);
    await exporter.shutdown();
  });

  it('should leave alone a hand-built segment whose header names version 3', async () => {
    const dir = tempDir();
    const head = segmentHeader(3, 1_700_000_000_000);
    head[4] = 3;
    head.writeUInt32LE(crc32(head, 0, 24), 24);
    writeFileSync(join(dir, '000000000003.wal'), Buffer.concat([head, frame(payload(), 1, 0)]));
    const { down, exporter } = await drain(dir);
    expect(down.records).toHaveLength(0);
    expect(exporter.getStats().skippedFiles).toBe(1);
    await exporter.shutdown();
  });
});
