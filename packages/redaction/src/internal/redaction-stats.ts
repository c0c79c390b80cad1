import type { MeterProvider } from '@opentelemetry/api';
import {
  ATTR_REDACTION_RULE,
  COMPONENT_TYPES,
  type ComponentMetrics,
  registerComponentMetrics,
} from '@spillway/self-metrics';
import pkg from '../../package.json' with { type: 'json' };
import type { RedactionStats } from '../types';

/**
 * The processor's counters, one owner: values redacted by rule (a slot per rule name, fixed at
 * construction, so counting is an array increment), records seen and changed, errors.
 */
export class RedactionCounters {
  readonly names: readonly string[];
  readonly applied: Float64Array;
  records = 0;
  changedRecords = 0;
  errors = 0;
  private readonly slots = new Map<string, number>();

  constructor(names: readonly string[]) {
    this.names = [...new Set(names)];
    for (const [i, n] of this.names.entries()) this.slots.set(n, i);
    this.applied = new Float64Array(this.names.length);
  }

  /** The slot of rule `name` (which must be one of the constructor's names). */
  slot(name: string): number {
    const s = this.slots.get(name);
    if (s === undefined) throw new Error(`no counter for redaction rule ${name}`);
    return s;
  }

  /** Values changed so far, all rules together: compared before and after a record. */
  changes = 0;

  /** Counts `n` values changed by the rule in `slot`. */
  add(slot: number, n: number): void {
    this.applied[slot]! += n;
    this.changes += n;
  }

  snapshot(): RedactionStats {
    const applied: Record<string, number> = {};
    this.names.forEach((n, i) => {
      applied[n] = this.applied[i]!;
    });
    return {
      records: this.records,
      changedRecords: this.changedRecords,
      applied,
      errors: this.errors,
    };
  }

  /**
   * Publishes `spillway.redaction.applied` by `spillway.redaction.rule`: the counts only, never a
   * redacted value.
   */
  registerMetrics(meterProvider: MeterProvider | undefined): ComponentMetrics {
    const attributes = this.names.map((rule) => ({ [ATTR_REDACTION_RULE]: rule }));
    return registerComponentMetrics({
      meterProvider,
      meterName: pkg.name,
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.redaction,
      observables: ['spillway.redaction.applied'],
      snapshot: () => this.applied,
      observe: (applied, observe) => {
        for (let i = 0; i < attributes.length; i++) {
          observe('spillway.redaction.applied', applied[i]!, attributes[i]);
        }
      },
    });
  }
}
