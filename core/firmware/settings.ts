// What firmware management needs at run time, built once from the configuration: the store, the upload
// limit, and what download URLs are made of (the token secret and lifetime, the host devices download from).
import path from 'node:path';
import type { PlatformConfig } from '../../common/config';
import type { PrismaClient } from '../../db/client';
import { DatabaseFirmwareStore, DirectoryFirmwareStore, type FirmwareStore } from './store';
import { loadOrCreateTokenSecret } from './tokens';

export interface FirmwareSettings {
  store: FirmwareStore;
  /** Largest image accepted by an upload. */
  maxSizeBytes: number;
  tokenSecret: Buffer;
  /** How long a device's download URL stays valid. */
  tokenTtlMs: number;
  /**
   * Host (and port) devices download from, OSLP's firmwareDomain; the API serves /firmware/... there.
   * Mutable: a test platform learns its port only once it listens.
   */
  downloadDomain: string;
}

export type FirmwareConfig = Pick<
  PlatformConfig,
  'FIRMWARE_STORE' | 'FIRMWARE_MAX_SIZE_BYTES' | 'FIRMWARE_TOKEN_TTL_MS' | 'FIRMWARE_DOWNLOAD_DOMAIN' | 'HOST' | 'PORT' | 'dataDir' | 'firmwareTokenSecretFile'
>;

export function firmwareSettingsFrom(config: FirmwareConfig, prisma: PrismaClient): FirmwareSettings {
  return {
    store: config.FIRMWARE_STORE === 'database' ? new DatabaseFirmwareStore(prisma) : new DirectoryFirmwareStore(path.join(config.dataDir, 'firmware')),
    maxSizeBytes: config.FIRMWARE_MAX_SIZE_BYTES,
    tokenSecret: loadOrCreateTokenSecret(config.firmwareTokenSecretFile),
    tokenTtlMs: config.FIRMWARE_TOKEN_TTL_MS,
    downloadDomain: config.FIRMWARE_DOWNLOAD_DOMAIN ?? `${config.HOST}:${config.PORT}`,
  };
}

/** The relative URL a device downloads a firmware image from (OSLP allows 255 characters). */
export function firmwareDownloadPath(firmwareId: string, token: string): string {
  return `/firmware/${firmwareId}/${token}`;
}
