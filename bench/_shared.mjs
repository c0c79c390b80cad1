// Helpers every benchmark scenario uses (not a scenario itself): how rounds run, how results are
// reported.
import { fork, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Node version, CPU model and count, and the time: printed above each table. */
export function machine() {
  return `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString()}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A Markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A numeric knob from the environment (`SPILLWAY_BENCH_<NAME>`), else the default. */
export function knob(name, fallback) {
  const v = process.env[`SPILLWAY_BENCH_${name}`];
  return v === undefined ? fallback : Number(v);
}

/**
 * SPILLWAY_BENCH_CONFIGS: the configurations of `names` it lists (separated by `separator`), in
 * the bench's order; all of them when it is unset. Throws on a name the bench does not have, and
 * when `required` (the anchor the bench's ratios are to) is not among them.
 */
export function configsKnob(names, { separator = ',', required } = {}) {
  const picked = process.env.SPILLWAY_BENCH_CONFIGS?.split(separator).map((c) => c.trim());
  if (picked === undefined) return names;
  const unknown = picked.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new Error(`SPILLWAY_BENCH_CONFIGS: unknown ${unknown.join(`${separator} `)}`);
  }
  if (required !== undefined && !picked.includes(required)) {
    throw new Error(`SPILLWAY_BENCH_CONFIGS: "${required}" is needed`);
  }
  return names.filter((n) => picked.includes(n));
}

/**
 * SPILLWAY_BENCH_SPILLWAY_ENV: extra environment for a bench's spillway pipeline, comma-separated
 * NAME=value pairs (e.g. `SPILLWAY_REDACT=none,SPILLWAY_FSYNC=never`), as an object.
 */
export function spillwayEnvKnob() {
  return Object.fromEntries(
    (process.env.SPILLWAY_BENCH_SPILLWAY_ENV ?? '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** `exporter.export(batch)` as a promise that rejects on a failed result. */
export function exportBatch(exporter, batch) {
  return new Promise((resolve, reject) =>
    exporter.export(batch, (r) =>
      r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')),
    ),
  );
}

/**
 * Interleaved rounds: each round runs every scenario once, in a shuffled order, each in its own
 * child process (`<script> --child <index>`), so scenarios share the machine's noise alike.
 * Returns each scenario's child stdouts (one per round) and the 1-minute load average before each
 * round and after the last. `echoStderr`: pipe the children's stderr and print the first child's
 * once (a notice such as the benchmark input), instead of inheriting it.
 */
export function shuffledRounds(scriptUrl, names, rounds, { echoStderr = false } = {}) {
  const outputs = names.map(() => []);
  const loads = [loadavg()[0]];
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => i).sort(() => Math.random() - 0.5);
    for (const i of order) {
      const run = spawnSync(process.execPath, [fileURLToPath(scriptUrl), '--child', String(i)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', echoStderr ? 'pipe' : 'inherit'],
      });
      if (run.status !== 0) throw new Error(`scenario ${names[i]} failed: ${run.stderr ?? ''}`);
      if (echoStderr && r === 0 && i === order[0]) process.stderr.write(run.stderr);
      outputs[i].push(run.stdout);
    }
    loads.push(loadavg()[0]);
  }
  return { outputs, loads };
}

/**
 * Paced emission: `emit(i)` for i = 0 … total − 1 at `perSecond`, from a `tickMs` interval timer.
 * Each tick emits every record due since the start (perSecond × tickMs / 1000 per tick on time),
 * so a late tick is made up by the next one and the offered rate holds, as a service works off the
 * requests queued meanwhile. Resolves after the last record.
 */
export function emitPaced(total, perSecond, emit, tickMs = 10) {
  const perTick = (perSecond * tickMs) / 1000;
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      // Rounded: Node starts an interval from the loop's cached clock, so a tick may fire a little
      // before tickMs has passed since `start`.
      const ticks = Math.round((performance.now() - start) / tickMs);
      const due = Math.min(total, Math.floor(ticks * perTick));
      while (sent < due) emit(sent++);
      if (sent === total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
}

/**
 * CPU clock ticks of each thread of process `pid` (default this one), by thread id, with its name
 * (Linux /proc/<pid>/task; empty elsewhere): `MainThread`, `WorkerThread` (an export worker),
 * `V8Worker` (V8's helpers: concurrent marking and compilation, parallel scavenges),
 * `libuv-worker` (the threadpool: fdatasync, file I/O). Node 20 names none of its threads (all
 * are `node`): there the main thread (the one whose id is the process's) is still `MainThread`,
 * and the others are `node`.
 */
export function threadTicks(pid = process.pid) {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name =
          tid === String(pid)
            ? 'MainThread'
            : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        out.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux.
  }
  return out;
}

/**
 * CPU ms per thread name between two {@link threadTicks} readings (100 ticks a second); `ended`:
 * what the process used (`totalMs`) beyond the threads still there, i.e. threads that ended
 * before the second reading (the export worker, stopped by shutdown).
 */
export function threadMsSince(before, after, totalMs) {
  const ms = {};
  let live = 0;
  for (const [tid, { name, ticks }] of after) {
    const d = (ticks - (before.get(tid)?.ticks ?? 0)) * 10;
    ms[name] = (ms[name] ?? 0) + d;
    live += d;
  }
  if (after.size > 0) ms.ended = Math.max(0, totalMs - live);
  return ms;
}

/** What a {@link threadMsSince} reading holds beyond the threads `names`: the sum of the rest. */
export function otherThreads(threads, names) {
  let sum = 0;
  for (const [name, v] of Object.entries(threads)) if (!names.includes(name)) sum += v;
  return sum;
}

/** The next IPC message of `proc` that has `key`; rejects if the process exits first. */
export function message(proc, key) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m && typeof m === 'object' && key in m) {
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(m);
      }
    };
    const onExit = (code) => reject(new Error(`process exited (${code}) before sending ${key}`));
    proc.on('message', onMessage);
    proc.on('exit', onExit);
  });
}

/**
 * An OTLP/gRPC receiver in a process of its own (bench/_receiver.mjs): resolves to its `url`,
 * `count()` (records received so far) and `stop()`.
 */
export async function forkReceiver() {
  const proc = fork(fileURLToPath(new URL('./_receiver.mjs', import.meta.url)), [], {
    stdio: 'inherit',
  });
  const { url } = await message(proc, 'url');
  return {
    url,
    async count() {
      proc.send('count');
      return (await message(proc, 'count')).count;
    },
    stop() {
      proc.send('stop');
    },
  };
}
