// Run with `node --enable-fips`: writes and reads an encrypted, HMAC-chained file and prints
// `fips=<getFips()> records=<n> chain=<ok>`, so the parent sees the code path works under FIPS.
import { getFips } from 'node:crypto';
import { join } from 'node:path';
import { CompressedFileWriter, readLogRecords, verifyCompressedFile } from '../../src/index';

const [dir] = process.argv.slice(2);
const encryption = { keys: [{ id: 1, key: Buffer.alloc(32, 1) }], activeKeyId: 1 };
const chainKey = Buffer.alloc(32, 2);
const path = join(dir!, 'fips-20260101-000000.zst');
const writer = await CompressedFileWriter.create(path, { encryption, chain: { key: chainKey } });
writer.appendLines('{"resourceLogs":[]}\n', {
  records: 0,
  minTimeUnixNano: 0n,
  maxTimeUnixNano: 0n,
  maxSeverity: 0,
});
await writer.close();
let records = 0;
for await (const _ of readLogRecords(path, { encryption })) records++;
const report = await verifyCompressedFile(path, { encryption, chain: true, chainKey });
console.log(`fips=${getFips()} records=${records} ok=${report.ok}`);
