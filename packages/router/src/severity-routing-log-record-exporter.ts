import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { parseSeverity, severityClassOf, severityNumberOfClass } from '@spillway/record-format';
import { DropCounter } from '@spillway/self-metrics';
import { describeExportError } from './classify-export-error';
import type { Route, RoutingStats, SeverityRoutingLogRecordExporterOptions } from './types';

interface CompiledRoute {
  name: string;
  min: number;
  max: number;
  when: ((record: ReadableLogRecord) => boolean) | undefined;
  targets: LogRecordExporter[];
  optional: boolean;
  records: number;
  batchesFailed: number;
  predicateFailed: boolean;
}

/**
 * Splits each batch by severity range (and an optional predicate) into routes, each with its own
 * targets: e.g. `ERROR+ → [failover(OTLP → file), stderr]`, `DEBUG → [console]`. A record goes to
 * every route it matches, and each target gets it once even when two matching routes share the
 * target. `export()` reports SUCCESS when every target of every non-optional route that received
 * records succeeded; optional routes never fail the batch. Records no route matches are counted
 * (`getStats().dropped.unrouted`, by severity class), not exported.
 */
export class SeverityRoutingLogRecordExporter implements LogRecordExporter {
  private readonly routes: CompiledRoute[];
  private readonly targets: LogRecordExporter[];
  private readonly drops = new DropCounter(['unrouted'] as const);

  constructor(options: SeverityRoutingLogRecordExporterOptions) {
    if (!options.routes || options.routes.length === 0) {
      throw new TypeError('SeverityRoutingLogRecordExporter: `routes` needs at least one route');
    }
    this.routes = options.routes.map((r, i) => compile(r, i));
    this.targets = [...new Set(this.routes.flatMap((r) => r.targets))];
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const perTarget = new Map<LogRecordExporter, ReadableLogRecord[]>();
    const hit = new Set<CompiledRoute>();
    for (const record of records) {
      const sev = severityOf(record);
      const given = new Set<LogRecordExporter>();
      let matched = false;
      for (const route of this.routes) {
        if (sev < route.min || sev > route.max || !this.passes(route, record)) continue;
        matched = true;
        route.records++;
        hit.add(route);
        for (const t of route.targets) {
          if (given.has(t)) continue;
          given.add(t);
          let list = perTarget.get(t);
          if (!list) {
            list = [];
            perTarget.set(t, list);
          }
          list.push(record);
        }
      }
      if (!matched) this.drops.addRecords('unrouted', [record]);
    }
    const sends = [...perTarget].map(
      ([target, batch]) =>
        new Promise<[LogRecordExporter, ExportResult]>((resolve) => {
          try {
            target.export(batch, (r) => resolve([target, r]));
          } catch (error) {
            resolve([
              target,
              {
                code: ExportResultCode.FAILED,
                error: error instanceof Error ? error : new Error(String(error)),
              },
            ]);
          }
        }),
    );
    void Promise.all(sends).then((results) => {
      const failed = new Map<LogRecordExporter, ExportResult>(
        results.filter(([, r]) => r.code !== ExportResultCode.SUCCESS),
      );
      const errors: string[] = [];
      for (const route of hit) {
        const bad = route.targets.filter((t) => failed.has(t));
        if (bad.length === 0) continue;
        route.batchesFailed++;
        if (route.optional) continue;
        for (const t of bad)
          errors.push(`${route.name}: ${describeExportError(failed.get(t)?.error)}`);
      }
      resultCallback(
        errors.length === 0
          ? { code: ExportResultCode.SUCCESS }
          : {
              code: ExportResultCode.FAILED,
              error: new Error(
                `SeverityRoutingLogRecordExporter: required route failed (${errors.join('; ')})`,
              ),
            },
      );
    });
  }

  /** Records and failed batches per route, and records that matched no route. */
  getStats(): RoutingStats {
    return {
      routes: this.routes.map((r) => ({
        name: r.name,
        records: r.records,
        batchesFailed: r.batchesFailed,
      })),
      dropped: this.drops.snapshot(),
    };
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.shutdown()));
  }

  private passes(route: CompiledRoute, record: ReadableLogRecord): boolean {
    if (!route.when) return true;
    try {
      return route.when(record);
    } catch (error) {
      // A throwing predicate must not reach the app: the record skips this route, said once.
      if (!route.predicateFailed) {
        route.predicateFailed = true;
        diag.warn(
          `@spillway/router: route ${route.name} predicate threw (${describeExportError(error)}); records skip it`,
        );
      }
      return false;
    }
  }
}

// Unspecified (0) severities are classed from their text, then compared as that class's lowest number.
function severityOf(record: ReadableLogRecord): number {
  const n = record.severityNumber as number | undefined;
  if (n !== undefined && n >= 1 && n <= 24) return n;
  return severityNumberOfClass(severityClassOf(n, record.severityText));
}

function bound(value: number | string | undefined, upper: boolean, route: string): number {
  if (value === undefined) return upper ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 24)
    return value;
  if (typeof value === 'string') {
    const n = parseSeverity(value);
    // A level name covers the whole level: maxSeverity 'warn' includes WARN4 (16).
    if (n !== undefined) return upper && !/^\s*\d+\s*$/.test(value) ? n + 3 : n;
  }
  throw new TypeError(
    `SeverityRoutingLogRecordExporter: route ${route}: ${upper ? 'maxSeverity' : 'minSeverity'} must be a severity number 0–24 or a level name (trace, debug, info, warn, error, fatal), got ${JSON.stringify(value)}`,
  );
}

function compile(route: Route, index: number): CompiledRoute {
  const name = route.name ?? `route#${index}`;
  if (!Array.isArray(route.targets) || route.targets.length === 0) {
    throw new TypeError(
      `SeverityRoutingLogRecordExporter: route ${name} needs at least one target`,
    );
  }
  return {
    name,
    min: bound(route.minSeverity, false, name),
    max: bound(route.maxSeverity, true, name),
    when: route.when,
    targets: route.targets,
    optional: route.optional === true,
    records: 0,
    batchesFailed: 0,
    predicateFailed: false,
  };
}
