import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';

/** Template keys tracked at most (a `BoundedLru`: least recently seen evicted first). */
export const TEMPLATE_TABLE_SIZE = 4096;

/** One template's state: smoothed rate, the rate in force and this interval's counts. */
export interface TemplateEntry {
  key: number;
  cls: number;
  /** The template as text (event name, masked body or attribute value). */
  text: string;
  /** Smoothed records per interval (EMA of `seen` at each interval's end). */
  ema: number;
  /** Records seen and kept this interval. */
  seen: number;
  kept: number;
  /** Records expected to be kept this interval: the sum of the rate each seen record met. */
  expected: number;
  /** `expected` at which the in-interval rate is checked next. */
  nextCheck: number;
  /** Records this template may keep per interval. */
  goal: number;
  /** Records kept this interval before any thinning (0 for a key that came in an overload). */
  floor: number;
  /** The template's keep rate on top of the class ratio (1 = not thinned). */
  rate: number;
  /** The threshold of class ratio × rate, split for the hot path; `th` ('' at probability 1). */
  hi: number;
  lo: number;
  hex: string;
  /** The class ratio `hi`/`lo` were computed with (recomputed when the policy changes it). */
  ratio: number;
  /** Seen and kept since the last summary (a summary is due when they differ). */
  summarySeen: number;
  summaryKept: number;
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  newer: TemplateEntry | undefined;
  older: TemplateEntry | undefined;
}
