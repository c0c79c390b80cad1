import { crc32 } from '@spillway/record-format';
import type { CompressedFileWriterOptions, LinesMetadata } from '../types';
import { FrameCipher } from './frame-cipher';
import {
  associatedData,
  encodeFrameHeader,
  FLAG_CHAINED,
  FLAG_ENCRYPTED,
  FLAG_HMAC,
  setDataChecksum,
} from './frame-header';
import { ChainHasher, ZERO_LINK } from './hash-chain';

/** What a frame header says about its lines. */
export type FrameFields = LinesMetadata & { rawLength: number; lines: number };

/** A frame ready to append: header and the data as stored. */
export interface SealedFrame {
  header: Buffer;
  data: Buffer;
  checksum: number;
  /** With chaining: the frame's own link (what the next frame carries). */
  link?: Buffer;
}

/**
 * Turns a compressed data frame into the bytes written for it: a version 1 header when neither
 * encryption nor chaining is on, else a version 2 header with the data encrypted (AES-256-GCM,
 * the header as associated data) and/or the link of the previous frame. Frames must be sealed in
 * file order: the chain advances with each.
 */
export class FrameSealer {
  private readonly cipher: FrameCipher | undefined;
  private readonly hasher: ChainHasher | undefined;
  private readonly flags: number;
  private link: Buffer;

  constructor(options: Pick<CompressedFileWriterOptions, 'encryption' | 'chain'>) {
    this.cipher = options.encryption ? new FrameCipher(options.encryption, true) : undefined;
    this.hasher = options.chain ? new ChainHasher(options.chain.key) : undefined;
    this.flags =
      (this.cipher ? FLAG_ENCRYPTED : 0) |
      (this.hasher ? FLAG_CHAINED : 0) |
      (this.hasher?.keyed ? FLAG_HMAC : 0);
    const previous = options.chain?.previousLink;
    if (previous !== undefined && (!Buffer.isBuffer(previous) || previous.length !== 32)) {
      throw new TypeError('chain.previousLink: 32 bytes expected');
    }
    this.link = previous ?? ZERO_LINK;
  }

  async seal(data: Buffer, fields: FrameFields): Promise<SealedFrame> {
    if (this.flags === 0) {
      const checksum = crc32(data);
      const header = encodeFrameHeader({ ...fields, dataLength: data.length, checksum });
      return { header, data, checksum };
    }
    const nonce = this.cipher?.nonce();
    const header = encodeFrameHeader({
      ...fields,
      dataLength: data.length + (this.cipher ? 16 : 0),
      checksum: 0,
      flags: this.flags,
      keyId: this.cipher?.activeKeyId ?? 0,
      ...(nonce ? { nonce } : {}),
      link: this.link,
    });
    const stored = this.cipher
      ? await this.cipher.encrypt(nonce!, associatedData(header), data)
      : data;
    const checksum = crc32(stored);
    setDataChecksum(header, checksum);
    if (this.hasher) {
      this.link = await this.hasher.link(header, stored);
    }
    return { header, data: stored, checksum, ...(this.hasher ? { link: this.link } : {}) };
  }
}
