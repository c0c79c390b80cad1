import { Presets, SingleBar } from 'cli-progress';

/** Progress over a known number of bytes, reported to `update` as work is done. */
export interface Progress {
  update(doneBytes: number, file: string): void;
  /** Records handled so far (sent, for `replay`): the bar then shows records/s. */
  records(count: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, records() {}, stop() {} };
// Below this, a run ends before a bar would be worth drawing.
const MIN_BYTES = 32 * 1024 * 1024;

/**
 * A progress bar on stderr for long runs when stderr is a terminal (`SPILLWAY_PROGRESS=1` forces
 * it, `SPILLWAY_PROGRESS=0` or `--no-progress` turns it off); stdout is never touched.
 */
export function startProgress(totalBytes: number, enabled: boolean): Progress {
  const forced = process.env.SPILLWAY_PROGRESS;
  const show =
    forced === '1' ||
    (enabled && forced !== '0' && process.stderr.isTTY && totalBytes >= MIN_BYTES);
  if (!show) return NONE;
  const bar = new SingleBar(
    {
      format:
        'spillway {bar} {percentage}% | {done}/{all} MiB | {rate} | ETA {eta_formatted} | {file}',
      stream: process.stderr,
      noTTYOutput: forced === '1',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const mib = (n: number) => (n / 1048576).toFixed(1);
  const started = performance.now();
  let rate = '';
  bar.start(totalBytes, 0, { done: mib(0), all: mib(totalBytes), rate, file: '' });
  return {
    update(done, file) {
      bar.update(done, { done: mib(done), all: mib(totalBytes), rate, file });
    },
    records(count) {
      const seconds = (performance.now() - started) / 1000;
      rate = seconds > 0 ? `${Math.round(count / seconds)} records/s` : '';
      bar.update({ rate });
    },
    stop() {
      bar.stop();
    },
  };
}
