import { createBenchmarkRecordGenerator, toLogRecord } from '@spillway/testing';
const { generator } = createBenchmarkRecordGenerator({ seed: 3 });
const recs = generator.take(256).map(toLogRecord);
const strings = [];
for (const r of recs) { if (typeof r.body === 'string') strings.push(r.body); for (const v of Object.values(r.attributes)) if (typeof v === 'string') strings.push(v); }
const digits13 = (s) => { if (s.length < 13) return false; let c = 0; for (let i = 0; i < s.length; i++) { const x = s.charCodeAt(i); if (x >= 48 && x <= 57 && ++c >= 13) return true; } return false; };
const tests = {
  earer: (s) => s.includes('earer') || s.includes('EARER'),
  eyJ: (s) => s.includes('eyJ'),
  digits13,
  cardRe: (s) => /(?<![0-9A-Za-z_]|[0-9A-Za-z_]-)[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_])/.test(s),
  cardRe2: (s) => /[0-9](?:[ -]?[0-9]){12,18}/.test(s),
  combined: (s) => /earer|EARER|eyJ|AKIA|ASIA|PRIVATE KEY-----/.test(s),
  indexOfE: (s) => s.indexOf('e') >= 0,
};
console.log('strings', strings.length, 'digits13 share', strings.filter(digits13).length / strings.length, 'bodies avg', strings.reduce((a,s)=>a+s.length,0)/strings.length);
for (const [name, f] of Object.entries(tests)) {
  let c = 0; for (let k = 0; k < 200; k++) for (const s of strings) if (f(s)) c++;
  const N = 1000; const t = process.hrtime.bigint();
  for (let k = 0; k < N; k++) for (const s of strings) if (f(s)) c++;
  console.log(name, (Number(process.hrtime.bigint() - t) / N / strings.length).toFixed(1), 'ns/string');
}
{
  const a = /(?<![0-9A-Za-z_]|[0-9A-Za-z_]-)[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_])/g;
  const b = /[0-9](?<![0-9A-Za-z_][0-9]|[0-9A-Za-z_]-[0-9])(?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_])/g;
  for (let round = 0; round < 3; round++) for (const [name, re] of [['lookbehind-first', a], ['digit-first', b]]) {
    const N = 1000; const t = process.hrtime.bigint();
    for (let k = 0; k < N; k++) for (const s of strings) s.replace(re, (m) => m);
    console.log(name, (Number(process.hrtime.bigint() - t) / N / strings.length).toFixed(1), 'ns/string');
  }
}
