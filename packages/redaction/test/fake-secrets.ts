import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';

// Realistic fake secrets, freshly generated per run (so no test can pass by matching a constant):
// what the built-in rules must catch, and near misses they must leave alone.

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function pick(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

function base64url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** A signed-looking JWT: `eyJ…` header, a payload with a subject, a 43-character signature. */
export function fakeJwt(): string {
  const header = base64url({ alg: 'HS256', typ: 'JWT' });
  const payload = base64url({ sub: `user-${randomInt(1e9)}`, iat: 1764582645, scope: 'admin' });
  return `${header}.${payload}.${pick(B64URL, 43)}`;
}

/** An AWS access key id: `AKIA` (long-term) or `ASIA` (temporary) + 16 upper alphanumerics. */
export function fakeAwsAccessKeyId(prefix: 'AKIA' | 'ASIA' = 'AKIA'): string {
  return prefix + pick(UPPER_ALNUM, 16);
}

/** An AWS secret access key: 40 base64 characters. */
export function fakeAwsSecretKey(): string {
  return pick(B64, 40);
}

/** The Luhn check digit for `partial` (the number without its last digit). */
export function luhnCheckDigit(partial: string): number {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A card number that passes Luhn: `prefix`, random digits, the check digit; `length` digits. */
export function fakeCardNumber(prefix = '4', length = 16): string {
  const partial = prefix + pick('0123456789', length - prefix.length - 1);
  return partial + luhnCheckDigit(partial);
}

/** A `length`-digit number starting with 4 that FAILS Luhn (the check digit off by one). */
export function nonLuhnNumber(length = 16): string {
  const valid = fakeCardNumber('4', length);
  const last = (Number(valid[length - 1]) + 1) % 10;
  return valid.slice(0, -1) + last;
}

/** `4111 1111 1111 1111` style: groups of 4 split by `sep`. */
export function grouped(digits: string, sep: ' ' | '-'): string {
  return digits.match(/.{1,4}/g)!.join(sep);
}

let pemCache: string | undefined;
/** A real PKCS#8 PEM private key (RSA 1024, generated once per run: key generation is slow). */
export function fakePrivateKeyPem(): string {
  pemCache ??= generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return pemCache;
}

/** An OpenSSH-style private key block (random body). */
export function fakeOpensshKey(): string {
  const body = randomBytes(300)
    .toString('base64')
    .match(/.{1,70}/g)!
    .join('\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`;
}

/** A password-looking random string (attribute values under secret-named keys). */
export function fakePassword(): string {
  return `${pick(B64, 12)}!${randomInt(1000)}`;
}

/** A bearer token that is not a JWT (an opaque access token). */
export function fakeOpaqueToken(): string {
  return `ya29.${pick(B64URL, 40)}`;
}
