import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { checkEncryptionOptions } from './internal/frame-cipher';
import type { EncryptionKey, EncryptionOptions } from './types';

/** Keys read by {@link loadEncryptionKeyFile}, with what is wrong about the file but not fatal. */
export interface EncryptionKeyFile extends Required<EncryptionOptions> {
  /** E.g. a file group or world can read: the caller decides how to say it (stderr, a log). */
  warnings: string[];
}

const HEX_KEY = /^[0-9a-fA-F]*$/;
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Reads the keys of `SPILLWAY_ENCRYPTION_KEY_FILE` (or `spillway --key-file`). The file holds one
 * key per line, 256 bits as 64 hex digits: either a single bare key (key id 0), or lines
 * `<id>:<64 hex digits>` (id 0–4294967295). Blank lines and lines starting with `#` are ignored.
 * The **last** key is the active one: rotate by appending a line with a new id, and remove old
 * lines only once no kept file was written with them.
 *
 * Throws an Error naming the file and line for anything else: a wrong length, a non-hex digit, a
 * bad or repeated id, no key, a path that is not a regular file. A file that group or others can
 * read (mode & 0o077) is accepted with a warning in `warnings`: keep it 0600 or 0400.
 */
export async function loadEncryptionKeyFile(path: string): Promise<EncryptionKeyFile> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`encryption key file ${path}: cannot open (${err.code ?? err.message})`);
  });
  try {
    const warnings = checkKeyFileStat(path, await fh.stat());
    return parseEncryptionKeyFile(path, await fh.readFile('utf8'), warnings);
  } finally {
    await fh.close();
  }
}

/**
 * {@link loadEncryptionKeyFile}, synchronously: for a pipeline built at start-up (the register),
 * which must know its keys before the first record is written. Same file form, same errors.
 */
export function loadEncryptionKeyFileSync(path: string): EncryptionKeyFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`encryption key file ${path}: cannot open (${e.code ?? e.message})`);
  }
  try {
    const warnings = checkKeyFileStat(path, fstatSync(fd));
    return parseEncryptionKeyFile(path, readFileSync(fd, 'utf8'), warnings);
  } finally {
    closeSync(fd);
  }
}

// A regular file of at most 64 KiB; group- or world-readable is a warning, not an error.
function checkKeyFileStat(
  path: string,
  st: { isFile(): boolean; size: number; mode: number },
): string[] {
  if (!st.isFile()) throw new Error(`encryption key file ${path}: not a regular file`);
  if (st.size > MAX_KEY_FILE_BYTES) {
    throw new Error(
      `encryption key file ${path}: ${st.size} bytes, a key file holds at most ${MAX_KEY_FILE_BYTES}`,
    );
  }
  if ((st.mode & 0o077) === 0) return [];
  return [
    `encryption key file ${path}: mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} lets group or others read it; use chmod 600`,
  ];
}

function parseEncryptionKeyFile(path: string, text: string, warnings: string[]): EncryptionKeyFile {
  const keys: EncryptionKey[] = [];
  let bare = false;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `encryption key file ${path}, line ${i + 1}`;
    const colon = line.indexOf(':');
    const idText = colon === -1 ? undefined : line.slice(0, colon).trim();
    const hex = colon === -1 ? line : line.slice(colon + 1).trim();
    if (idText !== undefined && !/^\d{1,10}$/.test(idText)) {
      throw new Error(`${where}: key id "${idText.slice(0, 20)}" is not a number 0–4294967295`);
    }
    const id = idText === undefined ? 0 : Number(idText);
    if (id > 0xffffffff) throw new Error(`${where}: key id ${id} is above 4294967295`);
    if (!HEX_KEY.test(hex))
      throw new Error(`${where}: the key holds a character that is not a hex digit`);
    if (hex.length !== 64) {
      throw new Error(`${where}: the key has ${hex.length} hex digits, 64 (256 bits) expected`);
    }
    if (idText === undefined) {
      if (bare || keys.length > 0)
        throw new Error(`${where}: a bare key is allowed only as the only key; write <id>:<key>`);
      bare = true;
    } else if (bare) {
      throw new Error(`${where}: a bare key is allowed only as the only key; write <id>:<key>`);
    }
    if (keys.some((k) => k.id === id)) throw new Error(`${where}: key id ${id} appears twice`);
    keys.push({ id, key: Buffer.from(hex, 'hex') });
  }
  if (keys.length === 0)
    throw new Error(`encryption key file ${path}: no key (64 hex digits expected)`);
  const options = { keys, activeKeyId: keys[keys.length - 1]!.id };
  checkEncryptionOptions(options, true);
  return { ...options, warnings };
}
