import { type Dirent, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { readLogRecords, verifyHashChain } from '@spillway/file-exporter';
import { describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

// The collector is unreachable: everything kept fails over to the pipeline's zstd files.
async function pipeline(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-node-protect-'));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const processor = createLogRecordProcessorFromEnv({
    OTEL_SERVICE_NAME: 'protect',
    SPILLWAY_DIR: dir,
    SPILLWAY_SAMPLING: 'all',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
    OTEL_BLRP_SCHEDULE_DELAY: '50',
    ...env,
  });
  // process.emitWarning delivers on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', onWarning);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'protect' }),
    processors: [processor],
  });
  return { dir, processor, provider, logger: provider.getLogger('t'), warnings };
}

const SECRET = 'card-holder Zephyrine Quickbottom';

/** Every regular file under `dir`, recursively (empty when it does not exist). */
function allFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? allFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function keyFile(dir: string, text: string): string {
  const path = join(dir, 'key');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

describe('createLogRecordProcessorFromEnv: SPILLWAY_ENCRYPTION_KEY_FILE and SPILLWAY_CHAIN', () => {
  it('should encrypt and chain the failover files, readable only with the key', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'spillway-keys-'));
    const key = Buffer.alloc(32, 0x5e);
    const path = keyFile(keys, `7:${key.toString('hex')}\n`);
    const { dir, processor, provider, logger } = await pipeline({
      SPILLWAY_ENCRYPTION_KEY_FILE: path,
      SPILLWAY_CHAIN: 'on',
    });
    for (let i = 0; i < 50; i++) logger.emit({ severityNumber: 9, body: `${SECRET} #${i}` });
    await provider.shutdown();
    expect(processor.getStats().files?.recordsWritten).toBe(50);
    // Every byte under SPILLWAY_DIR: the WAL (wal/) and the failover files (files/).
    const walFiles = allFiles(join(dir, 'wal'));
    // A segment holding frames (past its 32-byte header): the grep below has records to look at.
    expect(walFiles.some((p) => p.endsWith('.wal') && readFileSync(p).length > 32)).toBe(true);
    for (const path of [...walFiles, ...allFiles(dir)]) {
      expect(readFileSync(path).includes(Buffer.from('Zephyrine')), path).toBe(false);
    }
    const files = join(dir, 'files');
    const bodies: unknown[] = [];
    for await (const r of readLogRecords(files, { encryption: { keys: [{ id: 7, key }] } }))
      bodies.push(r.body);
    expect(bodies).toHaveLength(50);
    expect(bodies[0]).toBe(`${SECRET} #0`);
    let withoutKey = 0;
    for await (const _ of readLogRecords(files, { onProblem: () => {} })) withoutKey++;
    expect(withoutKey).toBe(0);
    const chain = await verifyHashChain(files, { encryption: { keys: [{ id: 7, key }] } });
    expect(chain.broken).toBeUndefined();
    expect(chain.ok).toBe(true);
    // Chained frames carry links: every file verified says so.
    expect(chain.files.length).toBeGreaterThan(0);
  });

  it('should write no file at all, warning, when the key file cannot be read', async () => {
    const { dir, processor, provider, logger, warnings } = await pipeline({
      SPILLWAY_ENCRYPTION_KEY_FILE: '/nonexistent/spillway-key',
    });
    expect(processor.fileExporter).toBeUndefined();
    expect(warnings.join('\n')).toMatch(
      /SPILLWAY_ENCRYPTION_KEY_FILE: encryption key file \/nonexistent\/spillway-key: cannot open .*no failover file is written and no write-ahead log is kept/,
    );
    for (let i = 0; i < 20; i++) logger.emit({ severityNumber: 9, body: `${SECRET} #${i}` });
    await provider.shutdown();
    // No WAL either: records went straight to the exporter, nothing in the clear on disk.
    expect(processor.wal.buffer).toBeUndefined();
    expect(allFiles(dir).filter((p) => /\.(wal|zst)$/.test(p))).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});
