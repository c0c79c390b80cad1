import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogRecordBatch, encodeLogRecordBatch } from '../src/index';
import { scanPayload } from '../src/internal/payload-scan';
import { countSeverities, emptyCounts } from '../src/internal/severity-counts';
import { toInlineStrings } from './helpers/inline-strings-payload';
import { batches, payloadsOf } from './helpers/random-records';
import { generatedRecords } from './helpers/records';

// The sender scans frames it reads back instead of decoding them: the scan must accept exactly
// the payloads the decoder accepts (a damaged frame is counted when read, as before) and give
// the count, severity classes and oldest time the decoded records give.

const outcome = <T>(f: () => T): { value: T } | { error: unknown } => {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
};

function oldestOf(records: ReadableLogRecord[]): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const r of records) {
    const ms = r.hrTime[0] * 1000 + r.hrTime[1] / 1e6;
    oldest = Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : Math.min(oldest, ms);
  }
  return oldest;
}

/** The scan agrees with the decoder on `payload`: both throw, or the same figures. */
function check(payload: Buffer): 'accepted' | 'refused' {
  const decoded = outcome(() => decodeLogRecordBatch(payload));
  const severities = emptyCounts();
  const scanned = outcome(() => scanPayload(payload, severities));
  if ('error' in decoded) {
    expect(scanned).toHaveProperty('error');
    // Nothing is counted for a payload refused.
    expect(severities).toEqual(emptyCounts());
    return 'refused';
  }
  expect(scanned).not.toHaveProperty('error');
  const s = (scanned as { value: ReturnType<typeof scanPayload> }).value;
  expect(s.count).toBe(decoded.value.length);
  expect(severities).toEqual(countSeverities(decoded.value));
  expect(s.oldestMs).toBe(oldestOf(decoded.value));
  return 'accepted';
}

const payloadAndDamage = batches.chain((input) => {
  const [payload] = payloadsOf([input.flat()]);
  return fc.tuple(fc.constant(payload!), fc.nat(Math.max(0, payload!.length - 1)), fc.nat(7));
});

describe('scanPayload', () => {
  it('should give the count, severities and oldest time decoding gives, for random batches', () => {
    fc.assert(
      fc.property(batches, (input) => {
        for (const p of payloadsOf(input)) expect(check(p)).toBe('accepted');
      }),
      { numRuns: 300 },
    );
  });

  it('should read codec version 1 payloads (strings in place) to the same figures', () => {
    fc.assert(
      fc.property(batches, (input) => {
        for (const p of payloadsOf(input)) expect(check(toInlineStrings(p))).toBe('accepted');
      }),
      { numRuns: 100 },
    );
  });

  it('should classify by severity text where a record has no severity number', () => {
    const [base] = generatedRecords(1);
    const records = [
      { ...base!, severityNumber: undefined, severityText: 'ERROR' },
      { ...base!, severityNumber: undefined, severityText: 'warn' },
      { ...base!, severityNumber: undefined, severityText: 'нечто' },
      { ...base!, severityNumber: undefined, severityText: undefined },
      { ...base!, severityNumber: 21, severityText: 'info' },
    ] as ReadableLogRecord[];
    const p = Buffer.from(encodeLogRecordBatch(records));
    expect(check(p)).toBe('accepted');
    expect(check(toInlineStrings(p))).toBe('accepted');
  });

  it('should give -Infinity as the oldest time when a record time is not a number', () => {
    const [base] = generatedRecords(1);
    // Encoded in the wide form (f64 seconds); decoded as NaN by both readers.
    const p = Buffer.from(
      encodeLogRecordBatch([{ ...base!, hrTime: [2 ** 33, 5] } as ReadableLogRecord]),
    );
    const seconds = p.indexOf(Buffer.from(new Float64Array([2 ** 33]).buffer));
    expect(seconds).toBeGreaterThan(0);
    Buffer.from(new Float64Array([Number.NaN]).buffer).copy(p, seconds);
    expect(check(p)).toBe('accepted');
    expect(scanPayload(p, emptyCounts()).oldestMs).toBe(Number.NEGATIVE_INFINITY);
  });

  it('should refuse every truncation of a payload, as the decoder does', () => {
    fc.assert(
      fc.property(payloadAndDamage, ([payload, cut]) => {
        check(payload.subarray(0, cut));
      }),
      // A chained arbitrary shrinks slowly: the first counterexample is reported as found.
      { numRuns: 400, endOnFailure: true },
    );
  });

  it('should refuse exactly the bit-flipped payloads the decoder refuses', () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(payloadAndDamage, ([payload, at, bit]) => {
        for (const p of [Buffer.from(payload), toInlineStrings(payload)]) {
          const i = at % p.length;
          p[i] = p[i]! ^ (1 << bit);
          seen[check(p)]++;
        }
      }),
      { numRuns: 1000, endOnFailure: true },
    );
    // Both outcomes happen: the property is not vacuous.
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it('should refuse exactly the payloads with a small count, tag or index the decoder refuses', () => {
    // Bytes set to 0..4 (what counts, tags, flags and resource indexes mostly are): a record
    // naming a resource one past the batch's, a map one entry short, a value of another kind.
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(payloadAndDamage, fc.nat(4), ([payload, at], v) => {
        const p = Buffer.from(payload);
        if (p[at] === v) return;
        p[at] = v;
        seen[check(p)]++;
      }),
      { numRuns: 1000, endOnFailure: true },
    );
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it('should refuse an unknown codec version, a text block offset outside it, an empty payload', () => {
    const p = Buffer.from(encodeLogRecordBatch(generatedRecords(2)));
    p.writeUInt32LE(p.length + 1, 1);
    expect(check(p)).toBe('refused');
    expect(check(Buffer.from([9, 0, 0]))).toBe('refused');
    expect(check(Buffer.alloc(0))).toBe('refused');
  });
});
