/**
 * Copies of encoded frames carved out of 4 MiB slabs: one ArrayBuffer allocation per ~4 MiB of
 * frames instead of one per batch, which measurably cut GC time in the encode benchmark.
 */
const SLAB_BYTES = 4 * 1024 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

export function copyToSlab(src: Uint8Array): Buffer {
  const n = src.length;
  if (n > SLAB_BYTES / 4) return Buffer.from(src);
  if (used + n > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  out.set(src);
  used += (n + 7) & ~7;
  return out;
}
