import { BUILTIN_RULES, isCardNumber, luhnValid } from '@spillway/redaction';
import { describe, expect, it } from 'vitest';
import {
  fakeAwsAccessKeyId,
  fakeAwsSecretKey,
  fakeCardNumber,
  fakeJwt,
  fakeOpaqueToken,
  fakeOpensshKey,
  fakePrivateKeyPem,
  grouped,
  nonLuhnNumber,
} from './fake-secrets';
import { setup } from './helpers';

// Every built-in value rule through the real processor: positives (the secret is gone, the text
// around it stays) and near misses (left as they are).
const { emit, redacting } = setup({ rules: [...BUILTIN_RULES], maxValueChars: 0 });
const redact = (text: string) => emit({ body: text }).body as string;

describe('built-in value patterns', () => {
  describe('bearer', () => {
    it('should replace the token and keep the scheme word', () => {
      const t = fakeOpaqueToken();
      expect(redact(`Authorization: Bearer ${t} sent`)).toBe(
        'Authorization: Bearer [REDACTED] sent',
      );
      expect(redact(`bearer\t${t}`)).toBe('bearer\t[REDACTED]');
      expect(redact(`BEARER ${t}==`)).toBe('BEARER [REDACTED]');
    });
    it('should leave prose and short words', () => {
      expect(redact('the bearer of bad news')).toBe('the bearer of bad news');
      expect(redact('Bearer token expired')).toBe('Bearer token expired');
    });
  });

  describe('jwt', () => {
    it('should replace a JWT anywhere in the text', () => {
      const j = fakeJwt();
      expect(redact(`token=${j}; path=/`)).toBe('token=[REDACTED]; path=/');
      expect(redact(`"${j}"`)).toBe('"[REDACTED]"');
    });
    it('should leave two-part and non-eyJ strings', () => {
      expect(redact('eyJhbGciOi.eyJzdWIi')).toBe('eyJhbGciOi.eyJzdWIi');
      expect(redact('abc.def.ghi')).toBe('abc.def.ghi');
      expect(redact('xeyJhbGciOi.eyJzdWIi.sig')).toBe('xeyJhbGciOi.eyJzdWIi.sig');
    });
  });

  describe('aws-key', () => {
    it('should replace access key ids and labelled secret keys', () => {
      const id = fakeAwsAccessKeyId();
      const temp = fakeAwsAccessKeyId('ASIA');
      const secret = fakeAwsSecretKey();
      expect(redact(`key ${id} used`)).toBe('key [REDACTED] used');
      expect(redact(`AWSAccessKeyId=${temp}&x=1`)).toBe('AWSAccessKeyId=[REDACTED]&x=1');
      expect(redact(`aws_secret_access_key=${secret}`)).toBe('aws_secret_access_key=[REDACTED]');
      expect(redact(`{"SecretAccessKey": "${secret}"}`)).toBe('{"SecretAccessKey": "[REDACTED]"}');
    });
    it('should leave lower-case, longer and unlabelled look-alikes', () => {
      const lower = `akia${'a'.repeat(16)}`;
      expect(redact(lower)).toBe(lower);
      const longer = `${fakeAwsAccessKeyId()}X`;
      expect(redact(longer)).toBe(longer);
      const unlabelled = `sha ${fakeAwsSecretKey()}`;
      expect(redact(unlabelled)).toBe(unlabelled);
    });
  });

  describe('private-key', () => {
    it('should replace PKCS#8, OpenSSH and cut blocks', () => {
      expect(redact(`key:\n${fakePrivateKeyPem()}done`)).toBe('key:\n[REDACTED]\ndone');
      expect(redact(`a ${fakeOpensshKey()} b`)).toBe('a [REDACTED] b');
      const cutBlock = fakePrivateKeyPem().slice(0, 200);
      expect(redact(`head ${cutBlock}`)).toBe('head [REDACTED]');
    });
    it('should leave certificates and public keys', () => {
      const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
      expect(redact(cert)).toBe(cert);
      const pub = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----';
      expect(redact(pub)).toBe(pub);
    });
  });

  describe('card', () => {
    it('should replace Luhn-valid numbers, plain and grouped', () => {
      const visa = fakeCardNumber('4', 16);
      expect(redact(`card ${visa} ok`)).toBe('card [REDACTED] ok');
      expect(redact(`card ${grouped(visa, ' ')}.`)).toBe('card [REDACTED].');
      expect(redact(`card ${grouped(visa, '-')}`)).toBe('card [REDACTED]');
      expect(redact(`amex ${fakeCardNumber('37', 15)}`)).toBe('amex [REDACTED]');
      expect(redact(`pan=${fakeCardNumber('5', 19)};`)).toBe('pan=[REDACTED];');
      expect(redact(`"${fakeCardNumber('6', 16)}"`)).toBe('"[REDACTED]"');
    });
    it('should find a grouped card number beside other groups', () => {
      const visa = fakeCardNumber('4', 16);
      const mc = fakeCardNumber('55', 16);
      expect(redact(`${grouped(visa, ' ')} 12`)).toBe('[REDACTED] 12');
      expect(redact(`15 ${grouped(visa, ' ')}`)).toBe('15 [REDACTED]');
      expect(redact(`order 2024 ${grouped(visa, ' ')} ok`)).not.toContain(grouped(visa, ' '));
      expect(redact(`${grouped(visa, ' ')} ${grouped(mc, ' ')}`)).toBe('[REDACTED] [REDACTED]');
      expect(redact(`${grouped(visa, '-')}-1234`)).toBe('[REDACTED]-1234');
    });
    it('should leave numbers failing Luhn, timestamps, short and long numbers', () => {
      const bad = nonLuhnNumber(16);
      expect(redact(`order ${bad}`)).toBe(`order ${bad}`);
      expect(redact(grouped(bad, ' '))).toBe(grouped(bad, ' '));
      // A Unix time in ns that passes Luhn: starts with 1, so not a card.
      let ns = '176458264512345678';
      ns += String((10 - (digitSum(ns) % 10 || 10)) % 10);
      expect(luhnValid(ns)).toBe(true);
      expect(redact(`t=${ns}`)).toBe(`t=${ns}`);
      const short = fakeCardNumber('4', 12);
      expect(redact(short)).toBe(short);
      const long = `${fakeCardNumber('4', 16)}1234`;
      expect(redact(long)).toBe(long);
      expect(redact('2026-12-01 10:11:12')).toBe('2026-12-01 10:11:12');
      // Numbers inside identifiers (block ids, hex ids) are not cards even when they pass Luhn.
      const id = fakeCardNumber('4', 19);
      for (const text of [`blk_${id}`, `blk_-${id}`, `x${id}`, `${id}abc`, `id-${id}`]) {
        expect(redact(text)).toBe(text);
      }
    });
  });

  describe('email', () => {
    it('should replace addresses when on', () => {
      expect(redact('from ann.lee+x@mail.example.co.uk, ok')).toBe('from [REDACTED], ok');
      expect(redact('a@b.io.')).toBe('[REDACTED].');
    });
    it('should leave non-addresses', () => {
      expect(redact('user@localhost')).toBe('user@localhost');
      expect(redact('@handle and a@b')).toBe('@handle and a@b');
    });
  });

  it('should count each replacement under its rule', () => {
    const before = redacting.getStats().applied;
    redact(`${fakeJwt()} ${fakeJwt()} ${fakeAwsAccessKeyId()}`);
    const after = redacting.getStats().applied;
    expect(after.jwt! - before.jwt!).toBe(2);
    expect(after['aws-key']! - before['aws-key']!).toBe(1);
    expect(after.card! - before.card!).toBe(0);
  });
});

function digitSum(partial: string): number {
  // Luhn sum of `partial` as if a check digit followed it.
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

describe(isCardNumber, () => {
  it('should need 13–19 digits starting 2–6 and Luhn', () => {
    expect(isCardNumber('4111111111111111')).toBe(true);
    expect(isCardNumber('4111111111111112')).toBe(false);
    expect(isCardNumber('1111111111111117')).toBe(false);
    expect(luhnValid('1111111111111117')).toBe(true);
    expect(isCardNumber('411111111111')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('12a4')).toBe(false);
  });
});

describe('linear time on 1 MiB adversarial strings', () => {
  const MiB = 2 ** 20;
  const fill = (unit: string, prefix = '') =>
    prefix + unit.repeat(Math.ceil((MiB - prefix.length) / unit.length));
  const cases: Array<[string, string]> = [
    ['bearer then spaces', fill(' ', 'Bearer ')],
    ['bearer repeated', fill('Bearer ')],
    ['bearer, short tokens', fill('Bearer abcdefghijk ')],
    ['eyJ repeated', fill('eyJ')],
    ['eyJ then one run', fill('a', 'eyJ')],
    ['two-part JWTs', fill('eyJab.cd ')],
    ['eyJ parts with dots', fill('eyJa.')],
    ['AKIA repeated', fill('AKIA')],
    ['secret label repeated', fill('aws_secret_access_key=')],
    ['secret label, long value', fill('A', 'secret_access_key=')],
    ['BEGIN repeated', fill('-----BEGIN RSA PRIVATE KEY-----')],
    ['BEGIN then dashes', fill('-', '-----BEGIN PRIVATE KEY-----')],
    ['BEGIN then near-END', fill('-----EN', '-----BEGIN PRIVATE KEY-----')],
    ['digits', fill('1')],
    ['digits and spaces', fill('1 ')],
    ['digit groups', fill('4111-')],
    ['spaced digit groups', fill('1111 ')],
    ['short digit groups', fill('12 ')],
    ['local part run', fill('a')],
    ['at signs', fill('a@')],
    ['domain labels', fill('b.', 'a@')],
    ['dots then at', fill('a.', '@')],
  ];
  for (const [name, text] of cases) {
    it(`should redact ${name} within a second`, () => {
      const started = performance.now();
      const out = redact(text);
      const ms = performance.now() - started;
      expect(typeof out).toBe('string');
      expect(ms, `${name}: ${ms.toFixed(0)} ms`).toBeLessThan(1000);
    });
  }
});
