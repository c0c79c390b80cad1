import * as zlib from 'node:zlib';

/**
 * zstd with the best codec this Node has: `node:zlib` zstd (Node ≥ 22.15, levels) or else
 * `@mongodb-js/zstd` 1.2.x (a registry-shipped binary that runs on the libuv threadpool and always
 * compresses at its default level 3). Both run compression off the event-loop thread.
 */

type Callback = (err: Error | null, out: Buffer) => void;
interface NodeZstd {
  zstdCompress(buf: Buffer, opts: { params: Record<number, number> }, cb: Callback): void;
  zstdDecompress(buf: Buffer, cb: Callback): void;
}

const nodeZstd = (zlib as unknown as Partial<NodeZstd>).zstdCompress
  ? (zlib as unknown as NodeZstd)
  : undefined;
// ZSTD_c_compressionLevel: the value from zstd.h, stable across versions.
const ZSTD_C_COMPRESSION_LEVEL =
  (zlib.constants as Record<string, number>).ZSTD_c_compressionLevel ?? 100;

type MongoZstd = {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
};
let mongo: Promise<MongoZstd> | undefined;

function loadMongo(): Promise<MongoZstd> {
  mongo ??= import('@mongodb-js/zstd') as Promise<MongoZstd>;
  return mongo;
}

/** The default compression level: zstd's own default. */
export const DEFAULT_ZSTD_LEVEL = 3;

/** Which implementation {@link zstdCompress} uses on this Node: `node:zlib` or `@mongodb-js/zstd`. */
export function zstdImplementation(): 'node:zlib' | '@mongodb-js/zstd' {
  return nodeZstd ? 'node:zlib' : '@mongodb-js/zstd';
}

/**
 * Compresses `buf` into one standalone zstd frame, on the libuv threadpool. `level` (1–19) is
 * honoured by `node:zlib` only; `@mongodb-js/zstd` always uses level 3.
 */
export function zstdCompress(buf: Buffer, level = DEFAULT_ZSTD_LEVEL): Promise<Buffer> {
  if (nodeZstd) {
    const z = nodeZstd;
    return new Promise((resolve, reject) => {
      z.zstdCompress(buf, { params: { [ZSTD_C_COMPRESSION_LEVEL]: level } }, (err, out) =>
        err ? reject(err) : resolve(out),
      );
    });
  }
  return loadMongo().then((m) => m.compress(buf, level));
}

/** Decompresses one or more concatenated zstd frames, on the libuv threadpool. */
export function zstdDecompress(buf: Buffer): Promise<Buffer> {
  if (nodeZstd) {
    const z = nodeZstd;
    return new Promise((resolve, reject) => {
      z.zstdDecompress(buf, (err, out) => (err ? reject(err) : resolve(out)));
    });
  }
  return loadMongo().then((m) => m.decompress(buf));
}
