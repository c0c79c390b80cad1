import { resourceFromAttributes } from '@opentelemetry/resources';
import { encodeExportLogsServiceRequest } from '@spillway/record-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogRecordBatches, encodeLogRecordBatch, transcodeToOtlpRequest } from '../src/index';
import { ByteWriter } from '../src/internal/byte-writer';
import { CorruptRecordError } from '../src/internal/errors';
import { encodeBatch } from '../src/internal/record-encoder';
import { freeRequestBuffers, lendCopy } from '../src/internal/request-buffers';
import { toInlineStrings } from './helpers/inline-strings-payload';
import { batches, payloadsOf } from './helpers/random-records';
import { generatedRecords } from './helpers/records';

// The transcoder must write, from the stored payloads, exactly the request bytes that decoding
// them and encoding the records gives: each property compares the two byte for byte.

/** What the decode + encode path sends for these payloads. */
const expected = (payloads: Buffer[]) =>
  encodeExportLogsServiceRequest(decodeLogRecordBatches(payloads));

function expectSame(payloads: Buffer[]): void {
  const got = transcodeToOtlpRequest(payloads);
  const want = expected(payloads);
  expect(got).toBeDefined();
  expect(want).toBeDefined();
  expect(Buffer.from(got!.request).equals(Buffer.from(want!))).toBe(true);
  expect(got!.recordCount).toBe(decodeLogRecordBatches(payloads).length);
}

describe('transcodeToOtlpRequest', () => {
  it('should write the bytes decode + encode writes, for random batches of every value kind', () => {
    fc.assert(
      fc.property(batches, (input) => expectSame(payloadsOf(input))),
      { numRuns: 400 },
    );
  });

  it('should read codec version 1 payloads (strings in place) to the same bytes', () => {
    fc.assert(
      fc.property(batches, (input) => {
        const v1 = payloadsOf(input).map(toInlineStrings);
        expect(v1.every((p) => p[0] === 1)).toBe(true);
        expectSame(v1);
      }),
      { numRuns: 150 },
    );
  });

  it('should merge the groups of several payloads as the decoder does', () => {
    const payloads = [
      encodeLogRecordBatch(generatedRecords(40)),
      encodeLogRecordBatch(generatedRecords(7)),
      Buffer.from(toInlineStrings(encodeLogRecordBatch(generatedRecords(3)))),
    ];
    expectSame(payloads);
    expect(transcodeToOtlpRequest(payloads)!.recordCount).toBe(50);
  });

  it('should keep more than 64 distinct resources apart as the decoder does', () => {
    const many = Array.from({ length: 70 }, (_, i) =>
      resourceFromAttributes({ 'service.name': `s${i % 67}` }),
    );
    const [base] = generatedRecords(1);
    const records = many.map((resource) => ({ ...base!, resource }));
    // The decoder starts afresh at the 65th (s64): s64 is still known to the next payload, s3 not.
    const next = [...records.slice(0, 5), records[64]!];
    expectSame([encodeLogRecordBatch(records), encodeLogRecordBatch(next)]);
  });

  it('should write large requests (messages past one and two length bytes)', () => {
    const [base] = generatedRecords(1);
    const records = [
      { ...base!, body: 'x'.repeat(20_000) },
      { ...base!, body: 'y'.repeat(300) },
      ...generatedRecords(600),
    ];
    expectSame([encodeLogRecordBatch(records)]);
  });

  it('should give an empty request for no records', () => {
    const none = transcodeToOtlpRequest([]);
    expect([none?.request.length, none?.recordCount]).toEqual([0, 0]);
    expectSame([encodeLogRecordBatch([])]);
  });
});

describe('transcodeToOtlpRequest declines', () => {
  const [base] = generatedRecords(1);
  const declined = (payloads: Buffer[]) => expect(transcodeToOtlpRequest(payloads)).toBeUndefined();

  it('should decline ids kept as text, which the encoder refuses too', () => {
    const sc = { traceId: 'not-hex', spanId: '0123456789abcdef', traceFlags: 1 };
    const payloads = [encodeLogRecordBatch([{ ...base!, spanContext: sc }])];
    declined(payloads);
    expect(expected(payloads)).toBeUndefined();
  });

  it('should decline resource attributes the SDK Resource would drop', () => {
    const dropped = [
      { mixed: [1, 'two'] },
      { nested: [[1]] },
      { map: { a: 1 } },
      { bytes: new Uint8Array(2) },
      { '': 'empty key' },
      { gone: null },
      { gone: undefined },
    ];
    for (const attrs of dropped) {
      // Built by hand: resourceFromAttributes would drop them before the WAL saw them.
      const resource = { attributes: attrs, schemaUrl: undefined } as never;
      declined([encodeLogRecordBatch([{ ...base!, resource }])]);
    }
  });

  it('should decline what normalisation would change (a bigint, a time out of range)', () => {
    const w = new ByteWriter();
    // The codec's own writer, without normalisation first: values the WAL keeps only this way.
    encodeBatch(w, [{ ...base!, attributes: { big: 12n } } as never]);
    declined([Buffer.from(w.buf.subarray(0, w.pos))]);
    w.reset();
    encodeBatch(w, [{ ...base!, hrTime: [1.5, 2_000_000_000] }]);
    declined([Buffer.from(w.buf.subarray(0, w.pos))]);
    w.reset();
    encodeBatch(w, [{ ...base!, severityNumber: 99 as never }]);
    declined([Buffer.from(w.buf.subarray(0, w.pos))]);
  });

  it('should decline a key written twice (a record uid over an attribute of that name)', () => {
    const w = new ByteWriter();
    encodeBatch(w, [{ ...base!, attributes: { uid: 'mine' } }], undefined, {
      key: 'uid',
      value: () => 'stamped',
    });
    declined([Buffer.from(w.buf.subarray(0, w.pos))]);
  });

  it('should decline keys a JS object would list in another order (an index key after a name)', () => {
    const w = new ByteWriter();
    encodeBatch(w, [{ ...base!, attributes: { name: 1 } }], undefined, {
      key: '5',
      value: () => 'after the name',
    });
    const payloads = [Buffer.from(w.buf.subarray(0, w.pos))];
    declined(payloads);
    // The decoded object lists '5' first: the bytes decode + encode writes differ from the stored order.
    expect(Object.keys(decodeLogRecordBatches(payloads)[0]!.attributes)).toEqual(['5', 'name']);
  });

  it('should decline a text block that is not UTF-8', () => {
    const p = Buffer.from(encodeLogRecordBatch([{ ...base!, body: 'ascii body' }]));
    p[p.length - 2] = 0xff;
    declined([p]);
  });
});

describe('transcodeToOtlpRequest on damaged payloads', () => {
  const outcome = (f: () => unknown) => {
    try {
      return { value: f() };
    } catch (e) {
      return { error: e };
    }
  };

  /** Damage never passes silently: the transcoder throws or declines when the decoder throws. */
  function check(payloads: Buffer[]): void {
    const decoded = outcome(() => expected(payloads));
    const got = outcome(() => transcodeToOtlpRequest(payloads));
    if ('error' in got) {
      expect(got.error).toBeInstanceOf(CorruptRecordError);
      expect(decoded).toHaveProperty('error');
      return;
    }
    const t = got.value as ReturnType<typeof transcodeToOtlpRequest>;
    if (t === undefined) return;
    expect(decoded).not.toHaveProperty('error');
    expect(Buffer.from(t.request).equals(Buffer.from(decoded.value as Uint8Array))).toBe(true);
  }

  const payloadAndCut = batches.chain((input) => {
    const payloads = payloadsOf(input);
    const total = payloads.reduce((n, p) => n + p.length, 0);
    return fc.tuple(fc.constant(payloads), fc.nat(Math.max(0, total - 1)), fc.nat(7));
  });

  it('should throw or decline on truncated payloads, never write bytes', () => {
    fc.assert(
      fc.property(payloadAndCut, ([payloads, cut]) => {
        for (let i = 0; i < payloads.length; i++) {
          const p = payloads[i]!;
          if (cut < p.length) {
            payloads[i] = p.subarray(0, cut);
            break;
          }
          cut -= p.length;
        }
        check(payloads);
      }),
      { numRuns: 400 },
    );
  });

  it('should throw, decline or write what decoding gives on bit-flipped payloads', () => {
    fc.assert(
      fc.property(payloadAndCut, ([payloads, at, bit]) => {
        const copy = payloads.map((p) => Buffer.from(p));
        for (const p of copy) {
          if (at < p.length) {
            p[at] = p[at]! ^ (1 << bit);
            break;
          }
          at -= p.length;
        }
        check(copy);
      }),
      { numRuns: 800 },
    );
  });

  it('should refuse an unknown codec version and a text block offset outside the payload', () => {
    const p = Buffer.from(encodeLogRecordBatch(generatedRecords(2)));
    p.writeUInt32LE(p.length + 1, 1);
    expect(() => transcodeToOtlpRequest([p])).toThrow(/text block offset/);
    expect(() => transcodeToOtlpRequest([Buffer.from([9, 0, 0])])).toThrow(/codec version 9/);
    expect(() => transcodeToOtlpRequest([Buffer.alloc(0)])).toThrow(CorruptRecordError);
  });
});

describe('transcodeToOtlpRequest, called again', () => {
  it('should leave the request it returned before unchanged (the reused writer is copied out)', () => {
    const a = [encodeLogRecordBatch(generatedRecords(30))];
    const b = [encodeLogRecordBatch(generatedRecords(5))];
    const first = transcodeToOtlpRequest(a)!.request;
    const copy = Buffer.from(first);
    const second = transcodeToOtlpRequest(b)!.request;
    expect(Buffer.from(first).equals(copy)).toBe(true);
    expect(Buffer.from(first).equals(expected(a)!)).toBe(true);
    expect(Buffer.from(second).equals(expected(b)!)).toBe(true);
  });
});

describe('transcodeToOtlpRequest with lend', () => {
  const whole = (u: Uint8Array) => u.byteOffset === 0 && u.byteLength === u.buffer.byteLength;

  it('should write the same bytes into a buffer of their own, reused once given back', () => {
    const a = [encodeLogRecordBatch(generatedRecords(30))];
    const b = [encodeLogRecordBatch(generatedRecords(5))];
    const first = transcodeToOtlpRequest(a, { lend: true })!;
    expect(Buffer.from(first.request).equals(expected(a)!)).toBe(true);
    expect(whole(first.request)).toBe(true);
    // Lent while the first is out: another buffer, the first's bytes untouched.
    const second = transcodeToOtlpRequest(b, { lend: true })!;
    expect(second.request.buffer).not.toBe(first.request.buffer);
    expect(Buffer.from(second.request).equals(expected(b)!)).toBe(true);
    expect(Buffer.from(first.request).equals(expected(a)!)).toBe(true);
    const firstBuffer = first.request.buffer;
    first.release!();
    first.release!(); // idempotent: given back once
    const third = transcodeToOtlpRequest(b, { lend: true })!;
    expect(third.request.buffer).toBe(firstBuffer);
    expect(whole(third.request)).toBe(true);
    expect(Buffer.from(third.request).equals(expected(b)!)).toBe(true);
    const fourth = transcodeToOtlpRequest(a, { lend: true })!;
    expect(fourth.request.buffer).not.toBe(firstBuffer);
    expect(Buffer.from(fourth.request).equals(expected(a)!)).toBe(true);
    for (const t of [second, third, fourth]) t.release!();
  });

  it('should keep at most a few buffers for reuse, and lend none for a declined batch', () => {
    const payloads = [encodeLogRecordBatch(generatedRecords(3))];
    const out = Array.from({ length: 10 }, () => transcodeToOtlpRequest(payloads, { lend: true })!);
    expect(new Set(out.map((t) => t.request.buffer)).size).toBe(10);
    for (const t of out) t.release!();
    expect(freeRequestBuffers()).toBe(4);
    const declined = generatedRecords(2);
    declined[1] = { ...declined[1]!, spanContext: { traceId: 'x', spanId: 'y', traceFlags: 1 } };
    expect(transcodeToOtlpRequest([encodeLogRecordBatch(declined)], { lend: true })).toBe(
      undefined,
    );
    expect(freeRequestBuffers()).toBe(4);
  });

  it('should write the same bytes as without lending, for random batches', () => {
    fc.assert(
      fc.property(batches, (records) => {
        const payloads = payloadsOf(records);
        const plain = transcodeToOtlpRequest(payloads);
        const lent = transcodeToOtlpRequest(payloads, { lend: true });
        expect(lent === undefined).toBe(plain === undefined);
        if (plain === undefined || lent === undefined) return;
        expect(Buffer.from(lent.request).equals(Buffer.from(plain.request))).toBe(true);
        expect(lent.recordCount).toBe(plain.recordCount);
        lent.release!();
      }),
      { numRuns: 60 },
    );
  });
});

describe('lendCopy', () => {
  it('should copy a request over 8 MiB into a buffer of its own, lending nothing', () => {
    const writer = Buffer.alloc(9 * 1024 * 1024 + 8, 7);
    const view = writer.subarray(4, writer.length - 4);
    const before = freeRequestBuffers();
    const { bytes, release } = lendCopy(view);
    expect(bytes.byteLength).toBe(view.byteLength);
    expect(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength).toBe(true);
    writer.fill(9); // the writer reused: the copy keeps its bytes
    expect(bytes.every((b) => b === 7)).toBe(true);
    release();
    expect(freeRequestBuffers()).toBe(before);
  });
});
