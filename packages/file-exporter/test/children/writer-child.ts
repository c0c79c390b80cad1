// Writes generated records through ZstdFileLogRecordExporter as fast as it can until killed; after
// each forceFlush prints the number of records made durable, one per line.
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { ZstdFileLogRecordExporter } from '../../src/index';

const [directory, mode] = process.argv.slice(2);
// `sealed`: frames encrypted and chained, with the key the parent reads them with.
const sealing =
  mode === 'sealed'
    ? { encryption: { keys: [{ id: 9, key: Buffer.alloc(32, 9) }], activeKeyId: 9 }, chain: true }
    : {};
const exporter = new ZstdFileLogRecordExporter({
  directory: directory!,
  serviceName: 'crash',
  frameBytes: 64 * 1024,
  rotate: { maxBytes: 256 * 1024 },
  minFreeBytes: 0,
  ...sealing,
});
const gen = new SyntheticRecordGenerator({ seed: 11 });
let exported = 0;
for (;;) {
  const batch = toReadableLogRecords(gen.take(500), 'crash');
  await new Promise<void>((resolve) => exporter.export(batch, () => resolve()));
  exported += batch.length;
  if (exported % 5000 === 0) {
    await exporter.forceFlush();
    process.stdout.write(`${exported}\n`);
  }
}
