import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionOptions } from '../types';
import { type CRYPTO_ALGORITHMS, checkEncryptionOptions, noKeyReason } from './frame-cipher';
import { GCM_TAG_BYTES, NONCE_BYTES } from './frame-header';

/**
 * node:crypto's (OpenSSL's) name for 'AES-GCM' of {@link CRYPTO_ALGORITHMS} with a 256-bit key:
 * the same FIPS-approved algorithm through the same OpenSSL provider. The only cipher used here.
 */
export const SYNC_CIPHER = 'aes-256-gcm' as const;

/** What {@link SyncFrameCipher.decrypt} gives: the plaintext, or why it cannot be had. */
export type SyncDecryptResult = { ok: true; plain: Buffer } | { ok: false; reason: string };

/**
 * AES-256-GCM by key id, synchronously: for writers that must encrypt before a synchronous call
 * returns (the disk buffer's `exportSync`, whose frame is written before `emit` returns), where
 * {@link FrameCipher}'s WebCrypto jobs cannot be awaited. Same options, same checks and same
 * error reasons as `FrameCipher`; a fresh random 96-bit nonce per call to {@link nonce}, for the
 * reasons given there (nothing to persist across restarts or forks; 2^32 nonces per key).
 * Cost: runs on the calling thread; ~32 µs for a 19.5 KB frame measured on a loaded 2-core EPYC
 * (packages/disk-buffer README, "Benchmarks").
 */
export class SyncFrameCipher {
  /** Bytes of a nonce (96 bits, SP 800-38D's recommended size). */
  static readonly NONCE_BYTES = NONCE_BYTES;
  /** Bytes of the GCM tag stored after each ciphertext. */
  static readonly TAG_BYTES = GCM_TAG_BYTES;
  /** The reason an encrypted frame cannot be read when no key was given at all. */
  static readonly noKeyReason = noKeyReason;
  private readonly keys = new Map<number, Buffer>();
  readonly activeKeyId: number | undefined;

  /** Throws a TypeError naming what is wrong with `options` (as `FrameCipher` does). */
  constructor(
    options: Pick<EncryptionOptions, 'keys'> & { activeKeyId?: number },
    writer: boolean,
  ) {
    checkEncryptionOptions(options as EncryptionOptions, writer);
    this.activeKeyId = writer ? options.activeKeyId : undefined;
    // Copied: a caller zeroing or reusing its buffer must not change the keys under us.
    for (const k of options.keys) this.keys.set(k.id, Buffer.from(k.key));
  }

  /** Key ids this cipher can decrypt. */
  get keyIds(): number[] {
    return [...this.keys.keys()];
  }

  /** A fresh random 96-bit nonce (OpenSSL's DRBG). */
  nonce(): Buffer {
    return randomBytes(NONCE_BYTES);
  }

  /**
   * Encrypts `plain` with the active key into `out` at `at`: ciphertext (`plain.length` bytes)
   * then the 16-byte tag. `out` must have room for `plain.length + 16` bytes from `at`.
   */
  encryptInto(nonce: Buffer, aad: Buffer, plain: Buffer, out: Buffer, at: number): void {
    const c = createCipheriv(SYNC_CIPHER, this.keys.get(this.activeKeyId!)!, nonce, {
      authTagLength: GCM_TAG_BYTES,
    });
    c.setAAD(aad);
    let n = at;
    n += c.update(plain).copy(out, n);
    n += c.final().copy(out, n);
    c.getAuthTag().copy(out, n);
  }

  /**
   * The plaintext of `sealed` (ciphertext then tag), or the reason it cannot be had: no key of
   * that id, or a tag that does not verify (wrong key, or bytes altered since they were written).
   */
  decrypt(keyId: number, nonce: Buffer, aad: Buffer, sealed: Buffer): SyncDecryptResult {
    const key = this.keys.get(keyId);
    if (key === undefined) {
      return {
        ok: false,
        reason: `encrypted with key id ${keyId}, not among the keys given (${this.keyIds.join(', ')})`,
      };
    }
    if (sealed.length < GCM_TAG_BYTES) {
      return { ok: false, reason: `${sealed.length} encrypted bytes hold no GCM tag` };
    }
    try {
      const d = createDecipheriv(SYNC_CIPHER, key, nonce, { authTagLength: GCM_TAG_BYTES });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      const body = d.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES));
      const tail = d.final();
      return { ok: true, plain: tail.length === 0 ? body : Buffer.concat([body, tail]) };
    } catch {
      return {
        ok: false,
        reason: `decryption with key id ${keyId} failed: wrong key, or the frame was altered`,
      };
    }
  }
}

// The reasons both ciphers give (frame-cipher.ts and above), as readers put them in a problem.
const KEY_REASON =
  /encrypted with key id \d+(,| and no encryption key)|decryption with key id \d+ failed/;

/**
 * True when a reader's problem (its `message`) is an encrypted frame that the keys given cannot
 * decrypt, rather than damage: a caller that keeps files for a later run with the right key (the
 * disk buffer's spill files) tells the two apart with it.
 */
export function isKeyProblem(problem: { kind: string; message: string }): boolean {
  return problem.kind === 'corrupt' && KEY_REASON.test(problem.message);
}
