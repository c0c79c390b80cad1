import type { FrameProblem } from '@spillway/file-exporter';
import { describeProblem, lostData } from './inputs';

/**
 * Prints each problem that lost data as one stderr line (kind, file, offset) and remembers that
 * data was lost (exit 3). Index problems lose nothing and are not printed.
 */
export class ProblemLog {
  lost = false;
  problems = 0;

  readonly report = (p: FrameProblem): void => {
    if (!lostData(p)) return;
    this.lost = true;
    this.problems++;
    process.stderr.write(`${describeProblem(p)}\n`);
  };
}
