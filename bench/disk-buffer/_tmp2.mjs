import { encodeLogRecordBatch } from '@spillway/disk-buffer';
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';
const recs = toReadableLogRecords(new CorpusRecordGenerator({seed:1}).take(512*40));
const batches=[]; for (let i=0;i<recs.length;i+=512) batches.push(recs.slice(i,i+512));
const t=process.hrtime.bigint(); for (let k=0;k<40;k++) for (const b of batches) encodeLogRecordBatch(b);
console.log(Number(process.hrtime.bigint()-t)/(40*recs.length));
