import { join } from 'node:path';
import { listCompressedFiles } from './compressed-files';
import { ChainHasher, RETIRED_LEDGER, readRetirements, ZERO_LINK } from './internal/hash-chain';
import type { FrameProblem } from './types';
import {
  type VerifyOptions,
  type VerifyReport,
  verifyCompressedFile,
} from './verify-compressed-file';

/** The result of {@link verifyHashChain}. */
export interface HashChainReport {
  /** Each file, oldest first, verified with `chain: true`. */
  files: VerifyReport[];
  /** The first broken link across the directory, if any (also in its file's `problems`). */
  broken?: FrameProblem;
  /** Files whose predecessor retention deleted, as the `retired.chain` ledger records it. */
  retired: Array<{ path: string; follows: string }>;
  ok: boolean;
}

/**
 * Proves that no frame of a directory's files was altered, removed, reordered or inserted since it
 * was written, and that no file was removed but by retention: verifies every file (see
 * {@link verifyCompressedFile} with `chain: true`), then checks that each file's first frame links
 * to the last frame of the file before it (per service, in name order). A file whose first frame
 * links to a file no longer there is sound when the directory's `retired.chain` ledger (written by
 * retention before it deletes) records that file. `broken` names the first broken link.
 */
export async function verifyHashChain(
  dir: string,
  options: Omit<VerifyOptions, 'chain' | 'onProgress'> & {
    onProgress?: (path: string, bytesDone: number) => void;
  } = {},
): Promise<HashChainReport> {
  const hasher = new ChainHasher(options.chainKey);
  const result: HashChainReport = { files: [], retired: [], ok: false };
  const problems: FrameProblem[] = [];
  const ledger = await readRetirements(join(dir, RETIRED_LEDGER), hasher);
  if (ledger.problem) {
    problems.push(chainProblem(join(dir, RETIRED_LEDGER), 0, ledger.problem));
  }
  const retiredBy = new Map(ledger.entries.map((e) => [e.last, e.file]));
  const lastOf = new Map<string, { path: string; link: string }>();
  for (const f of await listCompressedFiles(dir)) {
    const report = await verifyCompressedFile(f.path, {
      ...options,
      chain: true,
      onProgress: (done) => options.onProgress?.(f.path, done),
    });
    result.files.push(report);
    if (report.chain === undefined) continue;
    const service = f.service ?? '';
    const before = lastOf.get(service);
    const first = report.chain.firstLink;
    lastOf.set(service, { path: f.path, link: report.chain.lastLink });
    if (before !== undefined && first === before.link) continue;
    const retired = retiredBy.get(first);
    if (retired !== undefined) {
      result.retired.push({ path: f.path, follows: retired });
      continue;
    }
    if (before === undefined && first === ZERO_LINK.toString('hex')) continue;
    const message =
      before === undefined
        ? `frame 0 at offset 0: chain broken: it links to a file that is neither here nor recorded as deleted by retention (${RETIRED_LEDGER}): files before it were removed`
        : `frame 0 at offset 0: chain broken: it does not link to the last frame of ${before.path} (frames removed from the end of that file, a file removed between them, or one replaced)`;
    const p = chainProblem(f.path, 0, message);
    report.problems.unshift(p);
    report.ok = false;
    problems.push(p);
  }
  // A ledger that does not verify comes first (every retirement after its break is doubtful),
  // then the first broken link in file order: a file's own break comes before the next file's.
  if (ledger.problem) result.broken = problems[0];
  for (const r of result.broken ? [] : result.files) {
    const p = r.problems.find((q) => q.kind === 'chain');
    if (p) {
      result.broken = p;
      break;
    }
  }
  result.ok = result.broken === undefined && result.files.every((r) => r.ok);
  return result;
}

function chainProblem(path: string, offset: number, message: string): FrameProblem {
  return { kind: 'chain', path, offset, length: 0, records: 0, message };
}
