// Why not an array of line Buffers joined when the frame is cut: Buffer.concat of a 16 MiB frame
// is one 20–30 ms copy on the event loop (measured here; 4 MiB, the default now, a quarter of it),
// past the 10 ms p99 delay budget. Lines
// are encoded straight into one buffer sized for the frame instead; allocUnsafeSlow memory is
// paged in by the OS as lines land, so the cost is spread over the appends.

/** Room beyond `frameBytes`, so that the line crossing the threshold usually still fits. */
const SLACK = 1024 * 1024;
const MAX_CAPACITY = 256 * 1024 * 1024;

/** The raw bytes of one frame being filled. */
export class FrameBuffer {
  readonly buf: Buffer;
  private used = 0;

  /** A buffer for a frame of about `frameBytes`, or for `minBytes` if larger. */
  constructor(frameBytes: number, minBytes = 0) {
    this.buf = Buffer.allocUnsafeSlow(
      Math.max(Math.min(frameBytes + SLACK, MAX_CAPACITY), minBytes),
    );
  }

  get bytes(): number {
    return this.used;
  }

  /** Whether a string of `text` fits in what is left. */
  fits(text: string): boolean {
    const left = this.buf.length - this.used;
    return text.length * 3 <= left || Buffer.byteLength(text, 'utf8') <= left;
  }

  /** Appends `text` as UTF-8 (check {@link fits} first) and returns its byte length. */
  append(text: string): number {
    const n = this.buf.write(text, this.used, 'utf8');
    this.used += n;
    return n;
  }

  /** The filled bytes (a view: append nothing afterwards). */
  contents(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** Empties the buffer for reuse. */
  reset(): this {
    this.used = 0;
    return this;
  }
}

/**
 * Frame buffers handed back once their frame is written, for the next frames. Why: a fresh
 * 17 MiB buffer per frame is 17 MiB of new external memory each time, which makes V8 run full
 * garbage collections (tens of ms on the event loop, measured at 50k records/s) and page faults
 * on every first touch; two recycled buffers cover a frame being filled while one compresses.
 */
export class FrameBufferPool {
  private readonly spare: FrameBuffer[] = [];

  constructor(private readonly frameBytes: number) {}

  take(minBytes = 0): FrameBuffer {
    const i = this.spare.findIndex((f) => f.buf.length >= minBytes);
    if (i !== -1) return this.spare.splice(i, 1)[0]!.reset();
    return new FrameBuffer(this.frameBytes, minBytes);
  }

  give(frame: FrameBuffer | undefined): void {
    if (frame === undefined || this.spare.length >= 2) return;
    if (frame.buf.length > this.frameBytes + 2 * 1024 * 1024) return; // oversized: one-off line
    this.spare.push(frame.reset());
  }
}

/** Newlines in `text`. */
export function countLines(text: string | Buffer): number {
  let n = 0;
  if (typeof text === 'string') {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = text.indexOf(0x0a); i !== -1; i = text.indexOf(0x0a, i + 1)) n++;
  }
  return n;
}
