import {
  type ChainOptions,
  type EncryptionOptions,
  loadEncryptionKeyFileSync,
} from '@spillway/file-exporter';
import type { SpillwayConfig } from '../types';

/** What the pipeline's files are written with, from `SPILLWAY_ENCRYPTION_KEY_FILE` / `_CHAIN*`. */
export interface FileProtection {
  encryption?: EncryptionOptions;
  chain?: ChainOptions;
  /**
   * Encryption was asked for and its keys could not be read: no file may be written (writing the
   * records in the clear would defeat the setting). Failover files and the WAL are then off:
   * records go straight to the exporter, as when the directory is unusable.
   */
  refused: boolean;
}

/**
 * Loads the key files the configuration names, at start-up (the pipeline knows its keys before
 * the first record). A key file that cannot be read is one warning, never a throw: encryption then
 * refuses files (see {@link FileProtection.refused}); a chain key that cannot be read leaves a
 * plain SHA-256 chain, which still shows accidental damage.
 */
export function fileProtectionOf(
  config: Pick<SpillwayConfig, 'encryptionKeyFile' | 'chain' | 'chainKeyFile'>,
  warn: (message: string) => void,
): FileProtection {
  const out: FileProtection = { refused: false };
  if (config.encryptionKeyFile !== undefined) {
    try {
      const loaded = loadEncryptionKeyFileSync(config.encryptionKeyFile);
      for (const w of loaded.warnings) warn(`SPILLWAY_ENCRYPTION_KEY_FILE: ${w}`);
      out.encryption = { keys: loaded.keys, activeKeyId: loaded.activeKeyId };
    } catch (error) {
      warn(
        `SPILLWAY_ENCRYPTION_KEY_FILE: ${(error as Error).message}; no failover file is written and no write-ahead log is kept (records are sent straight to the exporter, lost if the process dies or the collector is down) until the key file is fixed and the process restarted.`,
      );
      out.refused = true;
    }
  }
  if (config.chainKeyFile !== undefined) {
    try {
      const loaded = loadEncryptionKeyFileSync(config.chainKeyFile);
      for (const w of loaded.warnings) warn(`SPILLWAY_CHAIN_KEY_FILE: ${w}`);
      const active = loaded.keys.find((k) => k.id === loaded.activeKeyId)!;
      out.chain = { key: active.key };
    } catch (error) {
      warn(`SPILLWAY_CHAIN_KEY_FILE: ${(error as Error).message}; using a plain SHA-256 chain.`);
      out.chain = {};
    }
  } else if (config.chain) {
    out.chain = {};
  }
  return out;
}
