import { ExportResultCode } from '@opentelemetry/core';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { CorpusRecordGenerator, toLogRecord } from '@spillway/testing';
const exp = () => ({ export: (_r, d) => d({ code: ExportResultCode.SUCCESS }), forceFlush: async () => {}, shutdown: async () => {} });
const which = process.argv[2];
const proc = which === 'batch' ? new BatchLogRecordProcessor({ exporter: exp() }) : new SamplingLogRecordProcessor({ exporter: exp(), ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 }, traceSilenceAfter: 0 });
const p = new LoggerProvider({ processors: [proc] });
const logger = p.getLogger('b');
const records = new CorpusRecordGenerator({ seed: 3 }).take(4096).map((g) => ({ ...toLogRecord(g), severityNumber: 9, severityText: 'INFO' }));
const turn = () => new Promise((r) => setImmediate(r));
for (let round = 0; round < 30; round++) {
  for (let i = 0; i < 200000; i += 1000) {
    for (let j = i; j < i + 1000; j++) logger.emit(records[j & 4095]);
    await turn();
  }
}
