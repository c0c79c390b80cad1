import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseSamplingPolicyFile, type SamplingPolicyFile } from '@spillway/config';

/**
 * Watches a `SPILLWAY_CONFIG_FILE` and hands each new valid policy to `apply`.
 *
 * Watches the file's *directory*, not the file: editors save by writing a temp file and renaming
 * it over the original (a watch on the old inode goes deaf), and Kubernetes ConfigMap volumes swap
 * a `..data` symlink without touching the file's own name. Any event in the directory schedules a
 * re-read after `debounceMillis` (saves arrive as bursts of events); content equal to the last
 * read is ignored. An unreadable or invalid file keeps the last good policy and warns once per
 * distinct content.
 */
export class PolicyFileWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly debounceMillis: number,
    private readonly apply: (policy: SamplingPolicyFile) => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** Reads the file synchronously (at startup, so the first records see its policy). */
  loadNow(): SamplingPolicyFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      this.warn(
        `SPILLWAY_CONFIG_FILE ${this.path} cannot be read (${(e as Error).message}); using the policy from the environment until it can.`,
      );
      return undefined;
    }
    return this.accept(text);
  }

  /** Starts watching; never throws (a missing directory is warned about). */
  start(): void {
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.schedule());
      this.watcher.on('error', (e) =>
        this.warn(`SPILLWAY_CONFIG_FILE ${this.path}: watching stopped (${e.message}).`),
      );
    } catch (e) {
      this.warn(
        `SPILLWAY_CONFIG_FILE ${this.path}: cannot watch ${dirname(this.path)} (${(e as Error).message}); the policy will not be reloaded.`,
      );
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.debounceMillis);
    this.timer.unref();
  }

  private async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      // Mid-rename or deleted: the next event (or none) decides; keep the current policy.
      return;
    }
    if (this.closed || text === this.lastText) return;
    const policy = this.accept(text);
    if (policy) this.apply(policy);
  }

  private accept(text: string): SamplingPolicyFile | undefined {
    this.lastText = text;
    const result = parseSamplingPolicyFile(text);
    if ('error' in result) {
      this.warn(
        `SPILLWAY_CONFIG_FILE ${this.path} is not valid: ${result.error}; keeping the last good policy.`,
      );
      return undefined;
    }
    return result;
  }
}
