import { vi } from 'vitest';

/**
 * What `Buffer.from` is given while `run` runs, in order: the OTel gRPC transport makes the Buffer
 * it sends with `Buffer.from(data)`, which copies a Uint8Array and views an ArrayBuffer, so this
 * shows whether a request reached it copy-free (and which buffer it was in).
 */
export async function buffersGiven(run: () => Promise<void>): Promise<unknown[]> {
  const given: unknown[] = [];
  const original = Buffer.from;
  const spy = (...args: unknown[]) => {
    given.push(args[0]);
    return (original as (...a: unknown[]) => Buffer).apply(Buffer, args);
  };
  const from = vi.spyOn(Buffer, 'from').mockImplementation(spy as typeof Buffer.from);
  try {
    await run();
  } finally {
    from.mockRestore();
  }
  return given;
}
