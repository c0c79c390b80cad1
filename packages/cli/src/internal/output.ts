/**
 * Buffered stdout writing that respects back-pressure, and ends quietly when the reader goes away
 * (`spillway cat dir | head`).
 */
export class Output {
  private chunk: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  async line(text: string): Promise<void> {
    this.chunk.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 65536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return;
    const data = this.chunk.join('');
    this.chunk = [];
    this.size = 0;
    if (!this.stream.write(data)) {
      // Wait for the pipe to drain, or for it to close (EPIPE lands in the error listener).
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }
}
