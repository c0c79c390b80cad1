import { cpSync } from 'node:fs';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { scaled } from '@spillway/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { crashBody, crashRecords } from './fixtures/crash-records';
import { CollectingExporter } from './helpers/collecting-exporter';
import { removeTempDirs, tempDir } from './helpers/records';

// Model-based test: random sequences of append / fail / recover / deliver / crash / restart run
// against the real exporter on real files, and against a model that knows which ids were
// acknowledged. A crash copies the directory as it is at that instant (what a SIGKILL leaves with
// fsync 'always': the page cache survives) and abandons the process state; restart opens the copy.

interface Model {
  acked: Set<number>;
  nextId: number;
  up: boolean;
  running: boolean;
}

class Real {
  collector = new CollectingExporter();
  exporter: DiskBufferedLogRecordExporter | undefined;
  dir = tempDir('spillway-model-');
  alive: { value: boolean } = { value: true };
  inflight: Array<Promise<void>> = [];

  open(): void {
    const alive = { value: true };
    this.alive = alive;
    const collector = this.collector;
    // Each process gets its own view of the collector; a crashed one can no longer deliver.
    const downstream: LogRecordExporter = {
      export: (records, cb) =>
        alive.value
          ? collector.export(records, cb)
          : cb({ code: ExportResultCode.FAILED, error: new Error('process is dead') }),
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    this.exporter = new DiskBufferedLogRecordExporter({
      exporter: downstream,
      directory: this.dir,
      fsync: 'always',
      segmentBytes: 64 * 1024,
      retry: { initialMillis: 1, maxMillis: 5 },
      shutdownTimeoutMillis: 20,
    });
  }

  crash(): void {
    const snapshot = tempDir('spillway-model-');
    cpSync(this.dir, snapshot, { recursive: true });
    this.alive.value = false;
    const dead = this.exporter!;
    this.exporter = undefined;
    this.dir = snapshot;
    void dead.shutdown();
  }
}

class AppendCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number) {}
  check = (m: Readonly<Model>) => m.running;
  // Not awaited: the next command (a crash, say) may land while this batch is being written.
  // Its ids count as acknowledged only if the ack reaches a process that is still alive.
  async run(m: Model, r: Real): Promise<void> {
    const from = m.nextId;
    m.nextId += this.count;
    const alive = r.alive;
    r.inflight.push(
      new Promise<void>((done) =>
        r.exporter!.export(crashRecords(from, this.count), (res) => {
          if (alive.value) {
            expect(res.code).toBe(ExportResultCode.SUCCESS);
            for (let i = from; i < from + this.count; i++) m.acked.add(i);
          }
          done();
        }),
      ),
    );
  }
  toString = () => `append(${this.count})`;
}

class FailCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.up;
  async run(m: Model, r: Real): Promise<void> {
    m.up = false;
    r.collector.failing = true;
  }
  toString = () => 'fail';
}

class DeliverCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.running;
  async run(m: Model, r: Real): Promise<void> {
    m.up = true;
    r.collector.failing = false;
    await Promise.all(r.inflight.splice(0));
    const exporter = r.exporter!;
    await r.collector.waitFor(() => exporter.getStats().recordsPending === 0);
    await exporter.forceFlush();
    const got = new Set(r.collector.ids());
    for (const id of m.acked) expect(got.has(id), `acknowledged id ${id} delivered`).toBe(true);
    for (const rec of r.collector.records) {
      const id = rec.attributes['test.id'] as number;
      expect(id).toBeLessThan(m.nextId);
      expect(rec.body).toBe(crashBody(id));
    }
    expect(exporter.getStats().dropped.corrupt.total).toBe(0);
  }
  toString = () => 'deliver';
}

class CrashCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.running;
  async run(m: Model, r: Real): Promise<void> {
    m.running = false;
    r.crash();
  }
  toString = () => 'crash';
}

class RestartCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => !m.running;
  async run(m: Model, r: Real): Promise<void> {
    m.running = true;
    r.open();
  }
  toString = () => 'restart';
}

afterAll(removeTempDirs);

describe('DiskBufferedLogRecordExporter', () => {
  describe('model', () => {
    it('should deliver every acknowledged record whatever the sequence of events', async () => {
      const commands = [
        fc.integer({ min: 1, max: 300 }).map((n) => new AppendCommand(n)),
        fc.constant(new FailCommand()),
        fc.constant(new DeliverCommand()),
        fc.constant(new CrashCommand()),
        fc.constant(new RestartCommand()),
      ];
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
          const real = new Real();
          real.open();
          const model: Model = { acked: new Set(), nextId: 0, up: true, running: true };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          if (!model.running) await new RestartCommand().run(model, real);
          await new DeliverCommand().run(model, real);
          await real.exporter!.shutdown();
        }),
        { numRuns: scaled(20, 60, 'SPILLWAY_MODEL_RUNS') },
      );
    });
  });
});
