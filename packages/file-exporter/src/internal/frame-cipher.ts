import { randomBytes, webcrypto } from 'node:crypto';
import type { EncryptionKey, EncryptionOptions } from '../types';
import {
  associatedData,
  type DecodedHeader,
  FLAG_ENCRYPTED,
  GCM_TAG_BYTES,
  NONCE_BYTES,
} from './frame-header';

/*
 * Every cryptographic algorithm this package uses, named as WebCrypto names them. All of them are
 * FIPS 140-3 approved (AES-256-GCM: SP 800-38D; SHA-256: FIPS 180-4; HMAC-SHA-256: FIPS 198-1), and
 * all calls go through node:crypto's WebCrypto, which runs them in OpenSSL on the libuv threadpool
 * (off the event loop) and through the FIPS provider when Node runs with `--enable-fips`.
 * Nonces come from `randomBytes` (OpenSSL's DRBG). Add nothing here that is not FIPS approved.
 */
export const CRYPTO_ALGORITHMS = ['AES-GCM', 'SHA-256', 'HMAC'] as const;

const AES_KEY_BYTES = 32;
const subtle = webcrypto.subtle;

/** Throws a TypeError naming what is wrong with an encryption option (ids, key sizes, active id). */
export function checkEncryptionOptions(o: EncryptionOptions, writer: boolean): void {
  if (!Array.isArray(o.keys) || o.keys.length === 0) {
    throw new TypeError('encryption.keys: at least one key expected');
  }
  const ids = new Set<number>();
  for (const k of o.keys) {
    if (!Number.isInteger(k.id) || k.id < 0 || k.id > 0xffffffff) {
      throw new TypeError(`encryption key id ${String(k.id)}: an integer 0–4294967295 expected`);
    }
    if (ids.has(k.id)) throw new TypeError(`encryption key id ${k.id} given twice`);
    ids.add(k.id);
    if (!Buffer.isBuffer(k.key) || k.key.length !== AES_KEY_BYTES) {
      const got = Buffer.isBuffer(k.key) ? `${k.key.length} bytes` : typeof k.key;
      throw new TypeError(`encryption key ${k.id}: 32 bytes (256 bits) expected, got ${got}`);
    }
  }
  if (writer && !ids.has(o.activeKeyId as number)) {
    throw new TypeError(
      `encryption.activeKeyId ${String(o.activeKeyId)} is not among the key ids (${[...ids].join(', ')})`,
    );
  }
}

/** AES-256-GCM keys by id, imported once. Holds no key bytes beyond the non-extractable CryptoKeys. */
export class FrameCipher {
  private readonly keys = new Map<number, Promise<webcrypto.CryptoKey>>();
  readonly activeKeyId: number | undefined;

  constructor(options: EncryptionOptions, writer: boolean) {
    checkEncryptionOptions(options, writer);
    this.activeKeyId = writer ? options.activeKeyId : undefined;
    for (const k of options.keys) this.keys.set(k.id, importAesKey(k));
  }

  /** Key ids this cipher can decrypt. */
  get keyIds(): number[] {
    return [...this.keys.keys()];
  }

  /**
   * A fresh 96-bit nonce. Random rather than a counter: nothing to persist across restarts,
   * forks or several writers sharing a key; SP 800-38D §8.3 allows 2^32 random nonces per key
   * (a frame a second for 136 years), and key ids make rotating sooner cheap.
   */
  nonce(): Buffer {
    return randomBytes(NONCE_BYTES);
  }

  /** `plain` encrypted with the active key: ciphertext followed by the 16-byte tag. */
  async encrypt(nonce: Buffer, aad: Buffer, plain: Buffer): Promise<Buffer> {
    const key = await this.keys.get(this.activeKeyId!)!;
    const out = await subtle.encrypt(gcm(nonce, aad), key, plain);
    return Buffer.from(out);
  }

  /**
   * The plaintext of `sealed`, or the reason it cannot be had: no key of that id, or a tag that
   * does not verify (wrong key, or bytes altered since they were written).
   */
  async decrypt(
    keyId: number,
    nonce: Buffer,
    aad: Buffer,
    sealed: Buffer,
  ): Promise<{ ok: true; plain: Buffer } | { ok: false; reason: string }> {
    const key = this.keys.get(keyId);
    if (key === undefined) {
      return {
        ok: false,
        reason: `encrypted with key id ${keyId}, not among the keys given (${this.keyIds.join(', ')})`,
      };
    }
    try {
      return {
        ok: true,
        plain: Buffer.from(await subtle.decrypt(gcm(nonce, aad), await key, sealed)),
      };
    } catch {
      return {
        ok: false,
        reason: `decryption with key id ${keyId} failed: wrong key, or the frame was altered`,
      };
    }
  }
}

/**
 * The zstd data frame of a frame read whole (`bytes`: header and data, `h` its decoded header):
 * the data itself when plain, decrypted when encrypted, or why it cannot be had.
 */
export async function zstdDataOf(
  bytes: Buffer,
  h: DecodedHeader,
  cipher: FrameCipher | undefined,
): Promise<{ ok: true; data: Buffer } | { ok: false; reason: string }> {
  const data = bytes.subarray(h.headerBytes);
  if ((h.flags & FLAG_ENCRYPTED) === 0) return { ok: true, data };
  if (cipher === undefined) return { ok: false, reason: noKeyReason(h.keyId) };
  const aad = associatedData(bytes.subarray(0, h.headerBytes));
  const r = await cipher.decrypt(h.keyId, h.nonce, aad, data);
  return r.ok ? { ok: true, data: r.plain } : r;
}

/** The reason a frame cannot be decrypted when the reader was given no key at all. */
export function noKeyReason(keyId: number): string {
  return `encrypted with key id ${keyId} and no encryption key was given (option encryption, spillway --key-file or SPILLWAY_ENCRYPTION_KEY_FILE)`;
}

function gcm(nonce: Buffer, aad: Buffer): webcrypto.AesGcmParams {
  return { name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: GCM_TAG_BYTES * 8 };
}

function importAesKey(k: EncryptionKey): Promise<webcrypto.CryptoKey> {
  const p = subtle.importKey('raw', k.key, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  p.catch(() => {});
  return p;
}
