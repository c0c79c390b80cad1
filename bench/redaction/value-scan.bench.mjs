// The redaction processor's value scan alone: CPU ns per record of `RedactingLogRecordProcessor`
// (default rules) called directly, without a LoggerProvider, on two inputs:
//   lines    — LogHub log lines as they are printed (timestamps, ids, long digit runs) as bodies,
//              with 4 short attributes: the card rule's candidates are common here
//   messages — the benchmark generator's records (LogHub message templates as bodies, 3–6
//              attributes): what redact-cost.bench.mjs emits
// and, as the anchor of each, the same loop with a processor whose onEmit does nothing (the cost of
// the loop and of the fresh copies). Every pass copies its records first (strings no one has
// scanned yet, as an app builds them per call), then times the onEmit loop in CPU time; the
// figure is the median of 15 passes after 3 untimed ones, in one process per scenario (rounds
// interleave the scenarios). To compare two builds, run it in each tree, alternating.
// Needs the LogHub corpus (SPILLWAY_CORPUS_DIR); without it, says so and measures nothing.
// Run: node bench/redaction/value-scan.bench.mjs [rounds] (after `npx turbo run build`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine, median, shuffledRounds } from '../_shared.mjs';

const SCENARIOS = [
  'lines, no-op (anchor)',
  'lines, redaction',
  'messages, no-op (anchor)',
  'messages, redaction',
];
const PASSES = 15;
const WARMUP = 3;

async function child(index) {
  const { RedactingLogRecordProcessor } = await import('@spillway/redaction');
  const { corpusDir, createBenchmarkRecordGenerator, toLogRecord } = await import(
    '@spillway/testing'
  );
  const dir = corpusDir();
  if (dir === undefined) throw new Error('LogHub corpus not found: set SPILLWAY_CORPUS_DIR');
  let records;
  if (index < 2) {
    records = [];
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('_2k.log')) continue;
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
        if (line === '') continue;
        const i = records.length;
        records.push({
          body: line,
          attributes: {
            'http.method': 'GET',
            'user.id': `user-${i}`,
            'service.region': 'eu-west-1',
            'request.id': i.toString(16).padStart(16, '0'),
          },
        });
      }
    }
  } else {
    records = createBenchmarkRecordGenerator({ seed: 3 }, dir)
      .generator.take(50_000)
      .map((g) => {
        const r = toLogRecord(g);
        return { body: r.body, attributes: r.attributes ?? {} };
      });
  }
  const processor = index % 2 === 1 ? new RedactingLogRecordProcessor() : { onEmit() {} };
  const fresh = (s) => (typeof s === 'string' ? ` ${s}`.slice(1) : s);
  const ns = [];
  for (let pass = 0; pass < WARMUP + PASSES; pass++) {
    const copies = records.map((r) => {
      const attributes = {};
      for (const k of Object.keys(r.attributes)) attributes[k] = fresh(r.attributes[k]);
      return { body: fresh(r.body), attributes };
    });
    const c0 = process.cpuUsage();
    for (const r of copies) processor.onEmit(r);
    const c = process.cpuUsage(c0);
    if (pass >= WARMUP) ns.push(((c.user + c.system) * 1000) / copies.length);
  }
  process.stdout.write(JSON.stringify(median(ns)));
}

async function parent(rounds) {
  const { corpusDir } = await import('@spillway/testing');
  if (corpusDir() === undefined) {
    console.log('skipped: the LogHub corpus was not found (set SPILLWAY_CORPUS_DIR)');
    return;
  }
  const results = shuffledRounds(import.meta.url, SCENARIOS, rounds, {
    echoStderr: true,
  }).outputs.map((xs) => xs.map(Number));
  const m = results.map(median);
  console.log(
    `${machine()}; the processor's onEmit alone, fresh copies each pass, median of ${PASSES} passes per child, median of ${rounds} shuffled rounds.\n`,
  );
  console.log('| scenario | CPU ns per record (median) | min – max | redaction alone |');
  console.log('|---|---:|---:|---:|');
  SCENARIOS.forEach((name, i) => {
    const xs = results[i];
    const alone = i % 2 === 1 ? `${(m[i] - m[i - 1]).toFixed(0)} ns` : '';
    console.log(
      `| ${name} | ${m[i].toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${alone} |`,
    );
  });
}

const at = process.argv.indexOf('--child');
if (at > 0) await child(Number(process.argv[at + 1]));
else await parent(Number(process.argv[2] ?? 5));
