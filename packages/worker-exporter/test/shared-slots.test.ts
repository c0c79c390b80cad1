import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogRecordBatch, storedLogRecordBatch } from '@spillway/disk-buffer';
import { describe, expect, it } from 'vitest';
import { handOver } from '../src/internal/hand-over';
import { SharedSlots, SLOT_BYTES, SLOT_COUNT } from '../src/internal/shared-slots';
import { encodedAsStored, encodedRecording, generated, send } from './helpers/encoded-recording';

// Batches cross to the worker in shared slots the worker frees once it has read them. These tests
// fail if a slot is overwritten before it is read (the bytes handed downstream would differ), if
// a slot is not freed after a batch was read, failed or never sent (later batches would all go
// the transferred way), or if a batch that fits no slot is not sent the transferred way.

const setup = () => encodedRecording('spillway-slots-');

/** Checks that the downstream got each batch's request, byte for byte, in order. */
function expectDelivered(calls: string[], batches: ReadableLogRecord[][]): void {
  expect(calls).toHaveLength(batches.length);
  for (let i = 0; i < batches.length; i++) {
    const [path, count, bytes] = calls[i]!.split(':');
    expect(`${path}:${count}`).toBe(`encoded:${batches[i]!.length}`);
    expect(Buffer.from(bytes!, 'base64').equals(encodedAsStored(batches[i]!))).toBe(true);
  }
}

describe('SharedSlots', () => {
  it('should give each free slot once, none over its size, and again once released', () => {
    const slots = new SharedSlots();
    const taken = Array.from({ length: SLOT_COUNT }, () => slots.take(SLOT_BYTES));
    expect(new Set(taken)).toEqual(new Set(Array.from({ length: SLOT_COUNT }, (_, i) => i)));
    expect(slots.take(1)).toBe(-1);
    expect(slots.taken).toBe(SLOT_COUNT);
    slots.release(taken[2]!);
    expect(slots.take(SLOT_BYTES + 1)).toBe(-1);
    expect(slots.take(10)).toBe(taken[2]);
  });

  it('should show the same bytes on both sides of the setup, and refuse views out of range', () => {
    const main = new SharedSlots();
    const worker = new SharedSlots(main.setup);
    const slot = main.take(5);
    main.view(slot, 5).set([1, 2, 3, 4, 5]);
    expect([...worker.view(slot, 5)]).toEqual([1, 2, 3, 4, 5]);
    worker.release(slot);
    expect(main.taken).toBe(0);
    expect(() => worker.view(SLOT_COUNT, 1)).toThrow(RangeError);
    expect(() => worker.view(-1, 1)).toThrow(RangeError);
    expect(() => worker.view(0, SLOT_BYTES + 1)).toThrow(RangeError);
    expect(() => worker.view(0.5, 1)).toThrow(RangeError);
  });

  it('should hand a batch over in a slot when one is free, else in a buffer of its own', () => {
    const slots = new SharedSlots();
    const payload = encodeLogRecordBatch(generated(7, 3));
    const batches = Array.from({ length: SLOT_COUNT + 1 }, () =>
      handOver([payload, payload], 6, true, slots),
    );
    expect(batches.map((b) => b.slot >= 0)).toEqual([
      ...Array.from({ length: SLOT_COUNT }, () => true),
      false,
    ]);
    for (const b of batches) {
      expect(b.lengths).toEqual([payload.length, payload.length]);
      expect(Buffer.from(b.bytes).equals(Buffer.concat([payload, payload]))).toBe(true);
      expect(b.bytes.buffer instanceof SharedArrayBuffer).toBe(b.slot >= 0);
    }
  });
});

describe('WorkerThreadLogRecordExporter over shared slots', () => {
  it('should send batches posted faster than the worker reads them, byte for byte, in order', async () => {
    const { exporter, calls } = setup();
    // Posted before the worker has even loaded its downstream: nothing is read yet, so the first
    // four take the slots and the next two go transferred.
    const first = Array.from({ length: SLOT_COUNT + 2 }, (_, i) => generated(100 + i, 40 + i));
    const results = await Promise.all(first.map((b) => send(exporter, b)));
    expect(results.map((r) => r.code)).toEqual(first.map(() => ExportResultCode.SUCCESS));
    expect(exporter.getStats().batchesInSharedSlots).toBe(SLOT_COUNT);
    // Every slot was freed once read: the next four all cross in slots.
    const second = Array.from({ length: SLOT_COUNT }, (_, i) => generated(200 + i, 30));
    const more = await Promise.all(second.map((b) => send(exporter, b)));
    expect(more.map((r) => r.code)).toEqual(second.map(() => ExportResultCode.SUCCESS));
    expect(exporter.getStats().batchesInSharedSlots).toBe(2 * SLOT_COUNT);
    expectDelivered(calls(), [...first, ...second]);
  });

  it('should send a batch larger than a slot the transferred way', async () => {
    const { exporter, calls } = setup();
    const big = generated(300, 2_500);
    expect(encodeLogRecordBatch(big).length).toBeGreaterThan(SLOT_BYTES);
    expect((await send(exporter, big)).code).toBe(ExportResultCode.SUCCESS);
    const small = generated(301, 10);
    expect((await send(exporter, small)).code).toBe(ExportResultCode.SUCCESS);
    expect(exporter.getStats()).toMatchObject({ batchesEncoded: 2, batchesInSharedSlots: 1 });
    expectDelivered(calls(), [big, small]);
  });

  it('should free the slot of a batch the worker fails, and take none after shutdown', async () => {
    const { exporter, calls } = setup();
    const records = generated(400, 12);
    // Payloads that hold another count of records than said: the worker fails each export.
    const wrong = () => storedLogRecordBatch([Buffer.from(encodeLogRecordBatch(records))], 13);
    const failedResults = await Promise.all(
      Array.from(
        { length: SLOT_COUNT },
        () => new Promise<ExportResult>((resolve) => exporter.exportStored(wrong(), resolve)),
      ),
    );
    expect(failedResults.map((r) => r.code)).toEqual(
      failedResults.map(() => ExportResultCode.FAILED),
    );
    const after = Array.from({ length: SLOT_COUNT }, (_, i) => generated(500 + i, 9));
    await Promise.all(after.map((b) => send(exporter, b)));
    expect(exporter.getStats().batchesInSharedSlots).toBe(2 * SLOT_COUNT);
    expectDelivered(calls(), after);
    await exporter.shutdown();
    expect((await send(exporter, records)).code).toBe(ExportResultCode.FAILED);
    expect(exporter.getStats().batchesInSharedSlots).toBe(2 * SLOT_COUNT);
  });
});
