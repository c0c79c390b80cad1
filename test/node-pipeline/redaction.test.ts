import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { zstdDecompress } from '@spillway/file-exporter';
import { createLogRecordProcessorFromEnv } from '@spillway/node';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fakeAwsAccessKeyId,
  fakeAwsSecretKey,
  fakeCardNumber,
  fakeJwt,
  fakeOpaqueToken,
  fakePassword,
  fakePrivateKeyPem,
  grouped,
  nonLuhnNumber,
} from '../../packages/redaction/test/fake-secrets';

// A corpus of freshly generated secrets, emitted through the env-built pipeline and a real
// LoggerProvider, once to a live OTLP receiver and once with the collector down (failover files).
// Then every byte under SPILLWAY_DIR (WAL segments raw, .zst files raw and decompressed) and every
// record the receiver decoded is searched: no secret may appear, the non-secrets must. A control
// run with SPILLWAY_REDACT=none shows the search finds the secrets when nothing removes them.

const RECORDS = 50;
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

interface Corpus {
  secrets: string[];
  /** The secret past the length bound: cut off even without redaction. */
  late: string;
  keep: string[];
  records: Array<{ body: unknown; attributes: Record<string, unknown> }>;
}

function corpus(): Corpus {
  const secrets: string[] = [];
  const keep: string[] = [];
  const records: Corpus['records'] = [];
  const pem = fakePrivateKeyPem();
  // The base64 lines of the key: any one of them on disk is a leak.
  secrets.push(...pem.split('\n').filter((l) => l.length > 40));
  for (let i = 0; i < RECORDS; i++) {
    const jwt = fakeJwt();
    const card = fakeCardNumber('4', 16);
    const amex = fakeCardNumber('37', 15);
    const akid = fakeAwsAccessKeyId(i % 2 ? 'AKIA' : 'ASIA');
    const sk = fakeAwsSecretKey();
    const pw = fakePassword();
    const dbPw = fakePassword();
    const opaque = fakeOpaqueToken();
    const opaque2 = fakeOpaqueToken();
    const ssn = `078-05-${String(1000 + i)}`;
    const order = `ORD-${100000 + i}`;
    const ref = nonLuhnNumber(16);
    const cardText = i % 2 === 0 ? card : grouped(card, ' ');
    const amexText = grouped(amex, '-');
    secrets.push(
      jwt,
      jwt.split('.')[2]!,
      cardText,
      amexText,
      akid,
      sk,
      pw,
      dbPw,
      opaque,
      opaque2,
      ssn,
    );
    keep.push(order, ref);
    records.push({
      body:
        i % 2 === 0
          ? `login ${i} token=${jwt} card ${card} ak ${akid} ${order} ref ${ref}`
          : {
              msg: `login ${i} token=${jwt} ${order}`,
              pay: { card: grouped(card, ' ') },
              ak: akid,
              ref,
            },
      attributes: {
        password: pw,
        'http.request.header.authorization': `Bearer ${opaque}`,
        db: { password: dbPw, host: 'db1' },
        'aws.config': `aws_secret_access_key=${sk}`,
        'tls.key': pem,
        'user.ssn': ssn,
        'payment.amex': `amex ${amexText}`,
        'msg.note': `retry with Bearer ${opaque2}`,
        'order.id': order,
        'ref.number': ref,
      },
    });
  }
  // A value past SPILLWAY_MAX_VALUE_CHARS and its scan margin: the secret at its end is cut off.
  const late = fakeJwt();
  secrets.push(late);
  records.push({ body: `${'x'.repeat(20_000)} ${late}`, attributes: { 'order.id': 'ORD-long' } });
  return { secrets, late, keep, records };
}

/** Every file under `dir`, as text: raw bytes, and each .zst decompressed too. */
async function diskText(dir: string): Promise<{ raw: string; zst: string; files: string[] }> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => {
    try {
      readFileSync(join(dir, f));
      return true;
    } catch {
      return false; // a directory
    }
  });
  let raw = '';
  let zst = '';
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    raw += bytes.toString('latin1') + bytes.toString('utf8');
    if (f.endsWith('.zst')) zst += (await zstdDecompress(bytes)).toString('utf8');
  }
  return { raw, zst, files };
}

async function run(endpoint: string, redact: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-redaction-'));
  const processor = createLogRecordProcessorFromEnv({
    OTEL_SERVICE_NAME: 'redaction-test',
    SPILLWAY_DIR: dir,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
    SPILLWAY_SAMPLING: 'all',
    SPILLWAY_FSYNC: 'always',
    SPILLWAY_MAX_VALUE_CHARS: '4096',
    ...(redact === undefined ? {} : { SPILLWAY_REDACT: redact }),
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('redaction-test');
  const c = corpus();
  for (const r of c.records) logger.emit({ severityNumber: 13, ...r } as never);
  await processor.forceFlush();
  await provider.shutdown();
  const stats = processor.getStats();
  return { dir, c, stats, ...(await diskText(dir)) };
}

function leaks(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}

describe('@spillway/node pipeline redaction', () => {
  it('should put no secret on the wire or on disk with the collector up, and keep the rest', async () => {
    receiver.clear();
    const { c, raw, zst, files, stats } = await run(receiver.url, 'default,key:*ssn*');
    await receiver.waitForRecords(RECORDS + 1, 20_000);
    const wire = JSON.stringify(receiver.records, (_k, v) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    expect(receiver.records).toHaveLength(RECORDS + 1);
    expect(leaks(wire, c.secrets)).toEqual([]);
    expect(leaks(raw + zst, c.secrets)).toEqual([]);
    expect(files.some((f) => f.endsWith('.wal'))).toBe(true);
    expect(stats.diskBuffer?.recordsAccepted).toBe(RECORDS + 1);
    // The WAL segments hold the records too (so the search above read real record bytes).
    for (const k of c.keep) {
      expect(wire, k).toContain(k);
      expect(raw, k).toContain(k);
    }
    // Exact counts per rule: each record has 3 secret-named keys (password, authorization,
    // db.password), 1 JWT, 2 card numbers, 2 AWS keys (id, labelled secret), 1 private key, 1
    // ssn (key:*ssn*) and 1 bearer token in text; the long record is cut once.
    expect(stats.redaction.applied).toMatchObject({
      'secret-keys': 3 * RECORDS,
      jwt: RECORDS,
      card: 2 * RECORDS,
      'aws-key': 2 * RECORDS,
      'private-key': RECORDS,
      keys: RECORDS,
      bearer: RECORDS,
      truncate: 1,
    });
    expect(stats.redaction.changedRecords).toBe(RECORDS + 1);
    const long = receiver.records.find((r) => r.attributes['order.id'] === 'ORD-long')!;
    expect(String(long.body)).toMatch(/^x{4096}…\[truncated 20\d{3} chars\]$/);
  });

  it('should put no secret in the WAL or the failover files with the collector down', async () => {
    const { c, raw, zst, files, stats } = await run('http://127.0.0.1:1', undefined);
    expect(stats.files?.recordsWritten).toBe(RECORDS + 1);
    expect(files.some((f) => f.endsWith('.zst'))).toBe(true);
    expect(
      leaks(
        raw + zst,
        c.secrets.filter((s) => !s.startsWith('078-')),
      ),
    ).toEqual([]);
    // The decompressed files hold every record: each order id once, the non-Luhn numbers intact.
    for (const k of c.keep) expect(zst, k).toContain(k);
    expect(zst.match(/ORD-1\d{5}/g)?.length).toBe(2 * RECORDS);
  });

  it('should find the secrets with SPILLWAY_REDACT=none (the search works)', async () => {
    const { c, raw, zst } = await run('http://127.0.0.1:1', 'none');
    expect(leaks(raw + zst, c.secrets)).toEqual(c.secrets.filter((s) => s !== c.late));
  });
});
