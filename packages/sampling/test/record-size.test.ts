import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { cleanLogRecord, emptySubstitutionCounts } from '@spillway/record-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateRecordBytes } from '../src/internal/severity-queue';

// The queue sizes a record it has just cleaned from the count the clean check made on the way; any
// other record by its own walk. Both must give the same figure, or the byte bound would depend on
// which path a record took.
const resource = resourceFromAttributes({ 'service.name': 'record-size-test' });
const scope = { name: 'record-size-test' };
const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constantFrom(null, [1, 2], { nested: 'map' }, '\ud800'),
);
const record = fc.record({
  body: fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.constant({ a: 1 })), {
    nil: undefined,
  }),
  attributes: fc.dictionary(fc.string({ maxLength: 20 }), value, { maxKeys: 6 }),
});

function recordOf(fields: {
  body?: unknown;
  attributes: Record<string, unknown>;
}): ReadableLogRecord {
  return {
    hrTime: [1_767_225_600, 0],
    hrTimeObserved: [1_767_225_600, 0],
    severityNumber: 9,
    droppedAttributesCount: 0,
    resource,
    instrumentationScope: scope,
    ...fields,
  } as unknown as ReadableLogRecord;
}

describe('estimateRecordBytes', () => {
  it('should give a record just cleaned the figure its own walk gives', () => {
    const counts = emptySubstitutionCounts();
    // Seen once, so that the common-shape check knows this resource and scope.
    cleanLogRecord(recordOf({ attributes: {} }), counts);
    let fromCheck = 0;
    fc.assert(
      fc.property(record, (fields) => {
        const walked = estimateRecordBytes(recordOf(fields));
        const r = recordOf(fields);
        const clean = cleanLogRecord(r, counts);
        if (clean === r) fromCheck++;
        expect(estimateRecordBytes(clean)).toBe(
          clean === r ? walked : estimateRecordBytes({ ...clean } as ReadableLogRecord),
        );
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(fromCheck).toBeGreaterThan(200);
  });

  it('should count 80 bytes, plus each string by length and 16 per key and per value', () => {
    const r = recordOf({ body: 'hello', attributes: { a: 'xyz', n: 1 } });
    const expected = 80 + (5 + 16) + (1 + 16 + 3 + 16) + (1 + 16 + 16);
    expect(estimateRecordBytes(r)).toBe(expected);
    expect(estimateRecordBytes(cleanLogRecord(r, emptySubstitutionCounts()))).toBe(expected);
  });
});
