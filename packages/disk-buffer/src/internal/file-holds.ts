import * as fs from 'node:fs';

/**
 * The buffer's open files, and the one way it removes a file: close first, then unlink. An unlinked
 * file that some handle still holds keeps its blocks (`df` stays full while `du` shows nothing),
 * so a file being read, written or spilled when it is evicted is unlinked when its last holder
 * closes it, and every holder closes an evicted file at its next step.
 */
export class FileHolds {
  private readonly open = new Map<string, number>();
  /** Held files to unlink on their last release, with their sidecars. */
  private readonly doomed = new Map<string, string[]>();

  constructor(
    /** After files were unlinked: the free-space figure must be asked again. */
    private readonly onRemoved: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  hold(path: string): void {
    this.open.set(path, (this.open.get(path) ?? 0) + 1);
  }

  release(path: string): void {
    const n = (this.open.get(path) ?? 1) - 1;
    if (n > 0) {
      this.open.set(path, n);
      return;
    }
    this.open.delete(path);
    const paths = this.doomed.get(path);
    if (paths === undefined) return;
    this.doomed.delete(path);
    this.unlink(paths);
  }

  /** Unlinks `path` (and `sidecars`) now, or once the last handle on it is released. */
  remove(path: string, sidecars: string[] = []): void {
    const paths = [path, ...sidecars];
    if (this.open.has(path)) this.doomed.set(path, paths);
    else this.unlink(paths);
  }

  private unlink(paths: string[]): void {
    for (const p of paths) {
      try {
        fs.rmSync(p, { force: true });
      } catch (err) {
        this.onError(err);
      }
    }
    this.onRemoved();
  }
}
