// Child of pretty-log-record-exporter.test.ts: prints one record to its own stderr.
import { PrettyLogRecordExporter } from '@spillway/router';

const e = new PrettyLogRecordExporter({ stream: 'stderr' });
const t: [number, number] = [0, 0];
e.export(
  [
    {
      hrTime: t,
      hrTimeObserved: t,
      severityNumber: 17 as never,
      severityText: 'ERROR',
      body: 'hello',
      attributes: {},
      droppedAttributesCount: 0,
      resource: undefined as never,
      instrumentationScope: { name: 'x' },
    },
  ],
  (r) => process.stdout.write(String(r.code)),
);
