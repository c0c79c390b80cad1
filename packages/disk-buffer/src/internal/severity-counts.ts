import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SEVERITY_CLASSES, severityClassOf } from '@spillway/record-format';

/**
 * Records per severity class: indexes 0–5 are trace … fatal (@spillway/record-format's classes),
 * 6 is `unknown` (records lost without being decoded: damaged frames, files of a previous run).
 */
export type SeverityCounts = number[];

export const UNKNOWN = SEVERITY_CLASSES.length;

export function emptyCounts(): SeverityCounts {
  return new Array<number>(UNKNOWN + 1).fill(0);
}

export function countSeverities(
  records: ReadonlyArray<ReadableLogRecord>,
  into: SeverityCounts = emptyCounts(),
): SeverityCounts {
  for (const r of records) {
    into[severityClassOf(r.severityNumber as number | undefined, r.severityText)]!++;
  }
  return into;
}

/** `into += from × sign`, never below zero. */
export function addCounts(into: SeverityCounts, from: Readonly<SeverityCounts>, sign = 1): void {
  for (let i = 0; i < into.length; i++) into[i] = Math.max(0, into[i]! + sign * (from[i] ?? 0));
}

export function total(c: Readonly<SeverityCounts>): number {
  let n = 0;
  for (const v of c) n += v;
  return n;
}
