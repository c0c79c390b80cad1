import { webcrypto } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { listCompressedFiles } from '../compressed-files';
import { type DecodedHeader, FLAG_CHAINED, FLAG_HMAC, LINK_BYTES } from './frame-header';
import { loadFrameTable, readAt } from './frame-table';
import { openRegularFile } from './regular-file';

/*
 * The hash chain (FORMAT.md, "Hash chain"): the link of a frame is SHA-256 — or HMAC-SHA-256 with
 * the chain key — of its bytes as stored (header and data); the next frame's header carries it.
 * The first frame of a file carries the link of the previous file's last frame (zeros when there
 * is none); retention writes the link of each file it deletes to the directory's ledger first, so
 * that a chain starting after deleted files is told apart from files removed by someone else.
 */

const subtle = webcrypto.subtle;
/** The link of "no previous frame": the first frame of the first file. */
export const ZERO_LINK = Buffer.alloc(LINK_BYTES);
/** The ledger of files retention deleted, one JSON line each (FORMAT.md). */
export const RETIRED_LEDGER = 'retired.chain';

/** Computes links: plain SHA-256, or HMAC-SHA-256 keyed with the chain key. */
export class ChainHasher {
  private readonly key: Promise<webcrypto.CryptoKey> | undefined;

  constructor(chainKey?: Buffer) {
    if (chainKey !== undefined) {
      if (!Buffer.isBuffer(chainKey) || chainKey.length < 32) {
        throw new TypeError(
          `chain key: at least 32 bytes expected, got ${Buffer.isBuffer(chainKey) ? chainKey.length : typeof chainKey}`,
        );
      }
      this.key = subtle.importKey('raw', chainKey, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]);
      this.key.catch(() => {});
    }
  }

  /** Whether links are keyed (HMAC-SHA-256). */
  get keyed(): boolean {
    return this.key !== undefined;
  }

  /** The link of a frame: of its header followed by its data. */
  async link(...parts: Buffer[]): Promise<Buffer> {
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const out = this.key
      ? await subtle.sign('HMAC', await this.key, bytes)
      : await subtle.digest('SHA-256', bytes);
    return Buffer.from(out);
  }
}

/** The link of the last whole frame of a file (undefined when it holds none). */
export async function lastLinkOfFile(
  path: string,
  hasher: ChainHasher,
): Promise<{ link: Buffer; frames: number } | undefined> {
  const table = await loadFrameTable(path);
  const last = table.frames[table.frames.length - 1];
  if (last === undefined) return undefined;
  const fh = await openRegularFile(path);
  try {
    return {
      link: await hasher.link(await readAt(fh, last.offset, last.length)),
      frames: table.frames.length,
    };
  } finally {
    await fh.close();
  }
}

/** One file retention deleted, as its ledger line records it. */
export interface Retirement {
  file: string;
  frames: number;
  /** Hex link of its last frame: what the next file's first frame carries. */
  last: string;
  reason: string;
}

/**
 * Appends the retirement of `path` (about to be deleted) to its directory's ledger and fsyncs it.
 * Each line's `mac` links it to the line before (SHA-256 or HMAC), so lines cannot be forged or
 * dropped without the chain key going unnoticed.
 */
export async function recordRetirement(
  path: string,
  reason: string,
  hasher: ChainHasher,
): Promise<void> {
  const last = await lastLinkOfFile(path, hasher);
  if (last === undefined) return;
  const ledger = join(path, '..', RETIRED_LEDGER);
  const { entries } = await readRetirements(ledger, hasher);
  const entry: Retirement = {
    file: basename(path),
    frames: last.frames,
    last: last.link.toString('hex'),
    reason,
  };
  const mac = await macOf(entries.at(-1)?.mac ?? '', entry, hasher);
  const fh = await open(ledger, 'a', 0o600);
  try {
    await fh.write(`${JSON.stringify({ v: 1, ...entry, mac })}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The ledger's lines up to the first that does not verify (named in `problem`). */
export async function readRetirements(
  ledger: string,
  hasher: ChainHasher,
): Promise<{ entries: Array<Retirement & { mac: string }>; problem?: string }> {
  let text: string;
  try {
    text = await readFile(ledger, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
    return { entries: [], problem: `${ledger}: ${(err as Error).message}` };
  }
  const entries: Array<Retirement & { mac: string }> = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    let e: Retirement & { mac: string; v: number };
    try {
      e = JSON.parse(line);
    } catch {
      return { entries, problem: `${ledger}: line ${i + 1} is not JSON` };
    }
    const mac = await macOf(entries.at(-1)?.mac ?? '', e, hasher);
    if (e?.v !== 1 || e.mac !== mac) {
      return {
        entries,
        problem: `${ledger}: line ${i + 1} does not verify (altered, reordered or written with another chain key)`,
      };
    }
    entries.push({ file: e.file, frames: e.frames, last: e.last, reason: e.reason, mac: e.mac });
  }
  return { entries };
}

async function macOf(previous: string, e: Retirement, hasher: ChainHasher): Promise<string> {
  const content = JSON.stringify([previous, e.file, e.frames, e.last, e.reason]);
  return (await hasher.link(Buffer.from(content, 'utf8'))).toString('hex');
}

/**
 * Follows the chain through the frames of one file, in file order: {@link next} says why a frame
 * breaks it (undefined when it links to the frame before).
 */
export class FileChainCheck {
  firstLink: Buffer | undefined;
  lastLink: Buffer | undefined;
  private previous: { frameIndex: number; offset: number } | undefined;

  constructor(private readonly hasher: ChainHasher) {}

  async next(
    frame: { frameIndex: number; offset: number },
    bytes: Buffer,
    h: DecodedHeader,
  ): Promise<string | undefined> {
    const reason = this.check(frame, h);
    this.firstLink ??= h.link.length === LINK_BYTES ? h.link : ZERO_LINK;
    this.lastLink = await this.hasher.link(bytes);
    this.previous = frame;
    return reason;
  }

  private check(frame: { offset: number }, h: DecodedHeader): string | undefined {
    if ((h.flags & FLAG_CHAINED) === 0) return 'the frame is not chained';
    const hmac = (h.flags & FLAG_HMAC) !== 0;
    if (this.hasher.keyed && !hmac) {
      return 'the frame is chained with plain SHA-256 where a chain key was given (rewritten without the key?)';
    }
    if (!this.hasher.keyed && hmac) {
      return 'the frame is chained with HMAC-SHA-256: the chain key is needed to verify it';
    }
    const p = this.previous;
    if (p === undefined) {
      return frame.offset === 0
        ? undefined
        : `the bytes before offset ${frame.offset} are damaged: the chain cannot be followed from the start of the file`;
    }
    if (!h.link.equals(this.lastLink!)) {
      return `its link does not match frame ${p.frameIndex} at offset ${p.offset}: a frame was altered, removed, reordered or inserted since it was written`;
    }
    return undefined;
  }
}

/**
 * The link a new file of `service` in `dir` chains to: that of the last frame of the service's
 * newest file there (a restarted exporter continues the chain), or zeros when there is none.
 */
export async function directoryChainTail(
  dir: string,
  service: string,
  hasher: ChainHasher,
): Promise<Buffer> {
  const files = (await listCompressedFiles(dir)).filter((f) => f.service === service);
  for (const f of files.reverse()) {
    const last = await lastLinkOfFile(f.path, hasher).catch(() => undefined);
    if (last) return last.link;
  }
  return ZERO_LINK;
}
