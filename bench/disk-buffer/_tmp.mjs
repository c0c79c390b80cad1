import { encodeLogRecordBatch } from '@spillway/disk-buffer';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';
const recs = toReadableLogRecords(new CorpusRecordGenerator({seed:1}).take(512*40));
const batches=[]; for (let i=0;i<recs.length;i+=512) batches.push(recs.slice(i,i+512));
function time(fn){ const t=process.hrtime.bigint(); let bytes=0; for (let k=0;k<20;k++) for (const b of batches) bytes+=fn(b).length; return [Number(process.hrtime.bigint()-t)/ (20*recs.length), bytes/(20*recs.length)]; }
for (let r=0;r<4;r++){
console.log('ours', time(encodeLogRecordBatch));
console.log('proto', time((b)=>ProtobufLogsSerializer.serializeRequest(b)));
}
