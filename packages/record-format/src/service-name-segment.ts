/**
 * The longest segment kept: with the file exporter's `-<YYYYMMDD>-<HHMMSS>-<n>.zst` suffix (at most
 * 40 characters) a file name stays under the 255-byte limit of every common file system.
 */
export const MAX_SERVICE_SEGMENT_CHARS = 128;

/**
 * A service name made into one safe path segment, for the default data directory
 * (`<tmpdir>/spillway/<segment>`) and the file exporter's file names alike: every character
 * outside `A-Z a-z 0-9 . _ -` becomes `_` (one each, so `a//b` → `a__b`), the result is cut to
 * {@link MAX_SERVICE_SEGMENT_CHARS}, and a result that would leave its directory or name none
 * (`''`, `.`, `..`) becomes `unknown_service`.
 */
export function sanitizeServiceName(name: string): string {
  const s = name.slice(0, MAX_SERVICE_SEGMENT_CHARS).replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? 'unknown_service' : s;
}
