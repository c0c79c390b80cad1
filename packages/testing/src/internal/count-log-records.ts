/**
 * The number of log records in the bytes of one `ExportLogsServiceRequest`, read off the protobuf
 * wire format without decoding them: `resource_logs` (field 1) → `scope_logs` (field 2) →
 * `log_records` (field 2), every other field skipped by its wire type. For a receiver that only
 * counts (a benchmark's stand-in for a collector that keeps up: decoding every record into
 * objects made the receiver, not the exporter under test, the bottleneck).
 *
 * Throws a RangeError on bytes that are not a well-formed message at these three levels (a
 * truncated field, a length past its message, a group or an unknown wire type): the server then
 * answers the call with an error, as a collector refuses a request it cannot parse.
 */
export function countLogRecords(bytes: Uint8Array): number {
  let records = 0;
  for (const resourceLogs of fieldsOf(bytes, 0, bytes.length, 1)) {
    for (const scopeLogs of fieldsOf(bytes, resourceLogs.start, resourceLogs.end, 2)) {
      for (const _ of fieldsOf(bytes, scopeLogs.start, scopeLogs.end, 2)) records++;
    }
  }
  return records;
}

interface Span {
  start: number;
  end: number;
}

/** The length-delimited fields numbered `field` in the message at `from`..`to`, in order. */
function* fieldsOf(bytes: Uint8Array, from: number, to: number, field: number): Generator<Span> {
  let at = from;
  while (at < to) {
    const tag = readVarint(bytes, at, to);
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (number === 0) throw new RangeError(`field number 0 at byte ${at}`);
    switch (wireType) {
      case 0:
        at = readVarint(bytes, at, to).next;
        break;
      case 1:
        at = skip(at, 8, to);
        break;
      case 5:
        at = skip(at, 4, to);
        break;
      case 2: {
        const length = readVarint(bytes, at, to);
        const start = length.next;
        at = skip(start, length.value, to);
        if (number === field) yield { start, end: at };
        break;
      }
      default:
        throw new RangeError(`wire type ${wireType} at byte ${at}`);
    }
  }
}

function skip(at: number, n: number, to: number): number {
  if (n > to - at) throw new RangeError(`field of ${n} bytes at byte ${at} runs past its message`);
  return at + n;
}

/** A varint of up to 10 bytes (its value exact below 2^53, which every length here is). */
function readVarint(bytes: Uint8Array, at: number, to: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < to && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new RangeError(`truncated varint at byte ${at}`);
}
