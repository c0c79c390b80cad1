// Writes generated records through ZstdFileLogRecordExporter as fast as it can until killed; after
// each forceFlush prints the number of records made durable, one per line.
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { ZstdFileLogRecordExporter } from '../../src/index';

const [directory] = process.argv.slice(2);
const exporter = new ZstdFileLogRecordExporter({
  directory: directory!,
  serviceName: 'crash',
  frameBytes: 64 * 1024,
  rotate: { maxBytes: 256 * 1024 },
  minFreeBytes: 0,
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
