import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli } from './fixture';

// `spillway doctor` from the command as npm links it, in a child process (asynchronous, so that
// this process can accept the probe's connection).
let root = '';

beforeAll(() => {
  buildCli();
  root = mkdtempSync(join(tmpdir(), 'spillway-cli-doctor-'));
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function doctor(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of Object.keys(base))
    if (k.startsWith('OTEL_') || k.startsWith('SPILLWAY_')) delete base[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'doctor', ...args],
      { env: { ...base, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

const newDir = () => join(mkdtempSync(join(root, 'data-')), 'spillway');

describe('spillway doctor', () => {
  describe('the collector endpoint', () => {
    it('should count an endpoint that is not a URL as a problem (exit 1)', async () => {
      const r = await doctor(['--no-probe'], {
        SPILLWAY_DIR: newDir(),
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'notaurl',
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        '✗ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="notaurl" is not a URL: expected a URL such as http://collector:4317 or https://collector:4317',
      );
      expect(r.stdout).toContain('1 problem found.');
      expect(r.stdout).not.toContain('No problems found');
    });

    it('should count a scheme other than http or https as a problem, naming the variable used', async () => {
      const r = await doctor(['--no-probe'], {
        SPILLWAY_DIR: newDir(),
        OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://127.0.0.1:4317',
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        '✗ OTEL_EXPORTER_OTLP_ENDPOINT="ftp://127.0.0.1:4317" has the scheme "ftp" (or none)',
      );
    });

    it('should warn, not fail, when nothing listens at the endpoint', async () => {
      // Nothing listens on port 1 of the loopback address: the connection is refused at once.
      const r = await doctor([], {
        SPILLWAY_DIR: newDir(),
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^ {2}! collector 127\.0\.0\.1:1 \(OTEL_EXPORTER_OTLP_LOGS_ENDPOINT\): unreachable \(connect ECONNREFUSED 127\.0\.0\.1:1\); until it is, records go to local files in <SPILLWAY_DIR>\/files$/m,
      );
      expect(r.stdout).toContain('No problems found (1 warning, marked !).');
    });

    it('should say when a collector accepts connections', async () => {
      const server: Server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const r = await doctor([], {
          SPILLWAY_DIR: newDir(),
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${port}`,
        });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(
          `✓ collector 127.0.0.1:${port} (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT): accepts connections`,
        );
        expect(r.stdout).toContain('No problems found.');
      } finally {
        server.close();
      }
    });
  });

  describe('the data directory', () => {
    it('should not create a missing SPILLWAY_DIR, and say who creates it', async () => {
      const dir = newDir();
      const r = await doctor(['--no-probe'], { SPILLWAY_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `✓ directory ${dir}: writable (does not exist yet: the app creates it at start, mode 0700, in ${join(dir, '..')}; spillway doctor --create creates it now)`,
      );
      expect(existsSync(dir)).toBe(false);
    });

    it('should leave an existing SPILLWAY_DIR untouched (no probe file)', async () => {
      const dir = mkdtempSync(join(root, 'existing-'));
      const before = statSync(dir).mtimeMs;
      const r = await doctor(['--no-probe'], { SPILLWAY_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`✓ directory ${dir}: writable\n`);
      expect(readdirSync(dir)).toEqual([]);
      expect(statSync(dir).mtimeMs).toBe(before);
    });

    it('should create it (0700) and prove it writable with --create', async () => {
      const dir = newDir();
      const r = await doctor(['--no-probe', '--create'], { SPILLWAY_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `✓ directory ${dir}: writable (--create: created if missing; probe file written, fsynced, removed)`,
      );
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('should count the pending records of an encrypted WAL without its key, changing nothing', async () => {
      const dir = newDir();
      const wal = join(dir, 'wal');
      const down: LogRecordExporter = {
        export: (_r, cb) => cb({ code: ExportResultCode.FAILED, error: new Error('down') }),
        forceFlush: async () => {},
        shutdown: async () => {},
      };
      const buffer = new DiskBufferedLogRecordExporter({
        exporter: down,
        directory: wal,
        retry: { initialMillis: 60_000 },
        shutdownTimeoutMillis: 1,
        encryption: { keys: [{ id: 1, key: Buffer.alloc(32, 7) }], activeKeyId: 1 },
      });
      const records = toReadableLogRecords(
        new SyntheticRecordGenerator({ seed: 4 }).take(42),
        'shop',
      );
      for (let i = 0; i < 42; i += 14)
        await new Promise((r) => buffer.export(records.slice(i, i + 14), r));
      await buffer.shutdown();
      const segment = readdirSync(wal).find((n) => n.endsWith('.wal'))!;
      // Version 2, encrypted frames only ("SPFE"): none of the plain "SPFR" kind.
      const bytes = readFileSync(join(wal, segment));
      expect(bytes.includes('SPFE')).toBe(true);
      expect(bytes.includes('SPFR')).toBe(false);
      const before = readdirSync(wal).map((n) => `${n} ${statSync(join(wal, n)).size}`);

      const r = await doctor(['--no-probe'], { SPILLWAY_DIR: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `; 42 records pending in 1 segment; oldest unknown (encrypted, no key: set SPILLWAY_ENCRYPTION_KEY_FILE to read it)\n`,
      );
      expect(r.stdout).toContain(`· WAL slot 0 (${wal}): `);
      expect(r.stdout).not.toContain('damaged range');
      expect(r.stdout).toContain('No problems found.');
      expect(readdirSync(wal).map((n) => `${n} ${statSync(join(wal, n)).size}`)).toEqual(before);
    });
  });
});
