import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeExportLogsServiceRequest } from '@spillway/record-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLogRecords } from '../src/internal/count-log-records';
import { decodeExportLogsServiceRequest } from '../src/otlp-grpc-logs-receiver';
import { toReadableLogRecords } from '../src/record-conversions';
import { SyntheticRecordGenerator } from '../src/synthetic-record-generator';

// The count-only receiver's reading of a request: it must count exactly what a full decode of the
// same bytes finds, across resources and scopes, and refuse (never loop on, never miscount as a
// crash) bytes that are not a well-formed request.

/** `n` generated records spread over `resources` resources and two scopes each. */
function records(n: number, resources: number, seed: number): ReadableLogRecord[] {
  const generated = new SyntheticRecordGenerator({ seed }).take(n);
  const rs = Array.from({ length: resources }, (_, i) =>
    resourceFromAttributes({ 'service.name': `svc-${i}` }),
  );
  return toReadableLogRecords(generated).map((r, i) => ({
    ...r,
    resource: rs[i % resources]!,
    instrumentationScope: { name: `scope-${i % 2}` },
  }));
}

function decodedCount(bytes: Uint8Array): number {
  let n = 0;
  for (const rl of decodeExportLogsServiceRequest(bytes).resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  }
  return n;
}

describe('countLogRecords', () => {
  it('should count what a full decode finds, over resources and scopes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (n, k, seed) => {
          const bytes = encodeExportLogsServiceRequest(records(n, k, seed))!;
          expect(countLogRecords(bytes)).toBe(n);
          expect(decodedCount(bytes)).toBe(n);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('should refuse a cut request or count no more than it holds, and never loop', () => {
    const bytes = encodeExportLogsServiceRequest(records(60, 3, 7))!;
    let refused = 0;
    for (let len = 0; len < bytes.length; len++) {
      try {
        // A cut at a field boundary is a smaller well-formed request.
        expect(countLogRecords(bytes.subarray(0, len))).toBeLessThan(60);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(bytes.length / 2);
  });

  it('should answer damaged bytes with a count or a RangeError only', () => {
    const bytes = encodeExportLogsServiceRequest(records(40, 2, 11))!;
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const damaged = Uint8Array.from(bytes);
        damaged[at]! ^= x;
        try {
          expect(countLogRecords(damaged)).toBeGreaterThanOrEqual(0);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
