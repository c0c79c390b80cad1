import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/*
 * The export worker competes with the application's event loop for the cores: serialising and
 * sending a batch costs the worker about as much CPU as emitting it costs the main thread, and on
 * a machine with few cores the kernel then leaves the main thread runnable but waiting, which the
 * application sees as loop delay. The worker's work can wait (the disk buffer holds what is not
 * yet sent, without loss), the loop's cannot: the worker thread runs at a lower priority.
 *
 * Linux keeps a nice value per thread: setpriority(PRIO_PROCESS, tid) changes only the thread
 * whose id it is given, and /proc/thread-self names the calling thread's id. Raising one's own
 * nice value needs no privilege. Elsewhere the value is per process, so nothing is changed there.
 */

/** The largest nice value (lowest priority) the kernel takes. */
const MAX_NICE = 19;

/**
 * Lowers the calling thread's priority by `increment` nice steps (capped at the lowest); returns
 * the thread's nice value after, or undefined when nothing was changed (0, not Linux, no procfs,
 * refused). Never throws.
 */
export function lowerThreadPriority(increment: number): number | undefined {
  if (increment <= 0 || process.platform !== 'linux') return undefined;
  let tid: number;
  try {
    // "<pid>/task/<tid>"
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(tid) || tid <= 0) return undefined;
  try {
    const nice = Math.min(MAX_NICE, getPriority(tid) + increment);
    setPriority(tid, nice);
    return nice;
  } catch {
    // Refused (a sandbox's syscall filter): the export still runs, at the process's priority.
    return undefined;
  }
}

/** Throws on anything but an integer from 0 to 19. */
export function checkPriorityIncrement(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_NICE) {
    throw new RangeError(`priorityIncrement must be an integer from 0 to ${MAX_NICE}: ${value}`);
  }
  return value;
}
