import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseCsv } from './internal/csv';

/** One line of the LogHub corpus with its level mapped to an OTel severity. */
export interface CorpusLine {
  /** The LogHub system: `HDFS`, `Android`, … */
  system: string;
  /** The level as the log spelled it. */
  level: string;
  severityNumber: number;
  severityText: string;
  component: string;
  body: string;
}

// Level → OTel severity number, per the corpus README (Android V/D/I/W/E, Apache notice/error,
// log4j-style names elsewhere).
const LEVELS: Record<string, number> = {
  V: 1,
  D: 5,
  I: 9,
  W: 13,
  E: 17,
  F: 21,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  NOTICE: 10,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  SEVERE: 17,
  FATAL: 21,
};
const TEXTS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/**
 * The LogHub sample folder: `$SPILLWAY_CORPUS_DIR`, else `shared/corpus/loghub` beside the
 * repository (found by walking up from the working directory and from this file). `undefined`
 * when absent: callers skip with a visible reason.
 */
export function corpusDir(): string | undefined {
  const fromEnv = process.env.SPILLWAY_CORPUS_DIR;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const start of [process.cwd(), here]) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, '..', 'shared', 'corpus', 'loghub');
      if (existsSync(candidate)) return resolve(candidate);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

let cached: { dir: string; lines: CorpusLine[] } | undefined;

/** Loads every `*_2k.log_structured.csv` of the corpus (cached per process). */
export function loadCorpus(dir = corpusDir()): CorpusLine[] {
  if (dir === undefined) throw new Error('LogHub corpus not found (set SPILLWAY_CORPUS_DIR)');
  if (cached?.dir === dir) return cached.lines;
  const lines: CorpusLine[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('_structured.csv')) continue;
    const system = file.split('_')[0] ?? file;
    const [header, ...rows] = parseCsv(readFileSync(join(dir, file), 'utf8'));
    if (!header) continue;
    const levelCol = header.indexOf('Level');
    const contentCol = header.indexOf('Content');
    const componentCol = header.indexOf('Component');
    for (const row of rows) {
      const level = row[levelCol] ?? 'INFO';
      const body = row[contentCol];
      if (body === undefined) continue;
      const severityNumber = LEVELS[level.toUpperCase()] ?? 9;
      lines.push({
        system,
        level,
        severityNumber,
        severityText: TEXTS[(severityNumber - 1) >> 2] ?? 'INFO',
        component: componentCol >= 0 ? (row[componentCol] ?? '') : '',
        body,
      });
    }
  }
  cached = { dir, lines };
  return lines;
}
