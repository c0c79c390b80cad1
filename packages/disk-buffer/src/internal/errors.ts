/** A frame or payload that fails its checksum or does not parse. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}
