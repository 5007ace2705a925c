// What the OSLP adapter's activities share: which device record fields an exchange needs, how a record
// becomes an endpoint (with the device's parsed key, cached), how an exchange's failure or answer is
// classified (permanent: a retry cannot help; transient: it may), and the message log rows it leaves.
// One device per activity (device-command.ts) and many per activity (device-command-batch.ts) use the same.
import type { KeyObject } from 'node:crypto';
import type { DeviceCommandKind, PermanentFailureType } from '../../common/device-commands';
import type { OslpDeviceEndpoint } from '../../adapters/oslp/client';
import { deviceUidFromBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import { OslpProtocolError, OslpTransportError } from '../../adapters/oslp/errors';
import type { OslpMessage, OslpStatus } from '../../adapters/oslp/messages';
import type { PrismaClient } from '../../db/client';
import { columnArraysInsert, insertColumnArrays, type BulkInsert } from '../../db/bulk-insert';
import { summarize } from './translate';
import type { PlatformKeyRing } from './platform-keys';

/** The device record fields an exchange needs: select only these when reading many devices. */
export const oslpDeviceSelect = {
  id: true,
  identification: true,
  networkAddress: true,
  port: true,
  publicKey: true,
  oslpDeviceUid: true,
  sequenceNumber: true,
  platformVerificationKey: true,
} as const;

export interface OslpDeviceRecord {
  id: string;
  identification: string;
  networkAddress: string | null;
  port: number | null;
  publicKey: string | null;
  oslpDeviceUid: string | null;
  sequenceNumber: number | null;
  platformVerificationKey: string | null;
}

/** A failure no retry can fix: the type the request record shows, and why. */
export interface PermanentFailure {
  type: PermanentFailureType;
  message: string;
}

/**
 * Parsed device public keys by PEM, least recently used dropped first. Parsing a PEM costs about as much
 * as the rest of an exchange's cryptography, so a mass switch of tens of thousands of devices should parse
 * each key once per adapter process, not once per command.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, KeyObject>();

  constructor(readonly maxEntries: number = 100_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.keys.size;
  }

  /** The parsed key; throws OslpProtocolError INVALID_ARGUMENT for a PEM that is no P-256 public key. */
  get(pem: string): KeyObject {
    const cached = this.keys.get(pem);
    if (cached) {
      this.keys.delete(pem);
      this.keys.set(pem, cached);
      return cached;
    }
    const key = publicKeyFromPem(pem);
    if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(pem, key);
    return key;
  }
}

/** Where and how to reach the device, or why it cannot be reached (not registered, bad uid or key). */
export function endpointOf(
  device: OslpDeviceRecord,
  publicKeys: PublicKeyCache,
  /** Without a ring, every device is signed for with the client's own key. */
  platformKeys?: PlatformKeyRing,
): OslpDeviceEndpoint | PermanentFailure {
  if (!device.networkAddress || !device.port || !device.publicKey || !device.oslpDeviceUid) {
    return {
      type: 'DEVICE_NOT_REACHABLE_CONFIG',
      message: `Device ${device.identification} has no network address, port, device uid or public key yet (has it registered?)`,
    };
  }
  try {
    return {
      host: device.networkAddress,
      port: device.port,
      deviceUid: deviceUidFromBase64(device.oslpDeviceUid),
      publicKey: publicKeys.get(device.publicKey),
      sequenceNumber: device.sequenceNumber ?? 0,
      ...(platformKeys && device.platformVerificationKey !== null ? { platformPrivateKey: signingKey(device, platformKeys) } : {}),
    };
  } catch (error) {
    if (error instanceof PlatformKeyUnknown) return { type: 'PLATFORM_KEY_UNKNOWN', message: error.message };
    return {
      type: 'DEVICE_NOT_REACHABLE_CONFIG',
      message: `Device ${device.identification} has an unusable device uid or public key: ${(error as Error).message}`,
    };
  }
}

class PlatformKeyUnknown extends Error {}

function signingKey(device: OslpDeviceRecord, platformKeys: PlatformKeyRing): KeyObject {
  const key = platformKeys.signingKeyFor(device.platformVerificationKey);
  if (!key) {
    throw new PlatformKeyUnknown(
      `Device ${device.identification} verifies with a platform key this adapter does not hold (OSLP_PLATFORM_EXTRA_KEY_FILES)`,
    );
  }
  return key;
}

export function isPermanentFailure(value: OslpDeviceEndpoint | PermanentFailure): value is PermanentFailure {
  return 'type' in value;
}

/** A failed exchange: its code for the log, and the permanent failure it is, or undefined when a retry may help. */
export interface ExchangeError {
  code: string;
  text: string;
  permanent?: PermanentFailure;
}

/**
 * Protocol errors (bad signature, wrong device, out of sequence, malformed) are permanent: a retry sends the
 * same bytes into the same failure. Transport errors (refused, timeouts, dropped connections) are transient.
 */
export function classifyExchangeError(error: unknown, deviceIdentification: string): ExchangeError {
  const code = error instanceof OslpProtocolError || error instanceof OslpTransportError ? error.code : 'ERROR';
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof OslpProtocolError) {
    return { code, text, permanent: { type: code === 'BAD_SIGNATURE' ? 'BAD_SIGNATURE' : 'DEVICE_FAILURE', message: `${deviceIdentification}: ${text}` } };
  }
  return { code, text };
}

/** A device's REJECTED or FAILURE answer as the permanent failure it is; undefined for OK. */
export function answerFailure(status: OslpStatus, deviceIdentification: string, kind: DeviceCommandKind): PermanentFailure | undefined {
  if (status === 'REJECTED') return { type: 'DEVICE_REJECTED', message: `Device ${deviceIdentification} rejected the ${kind} command` };
  if (status === 'FAILURE') return { type: 'DEVICE_FAILURE', message: `Device ${deviceIdentification} reported FAILURE for ${kind}` };
  return undefined;
}

export interface MessageLogRow {
  deviceIdentification: string;
  correlationUid: string;
  direction: 'TO_DEVICE' | 'FROM_DEVICE';
  messageType: string;
  sequenceNumber: number | null;
  result: string;
  summary: string;
}

/** One row of the device message log; `note` replaces the message's own summary (e.g. with the error). */
export function messageLogRow(
  deviceIdentification: string,
  correlationUid: string,
  direction: MessageLogRow['direction'],
  message: OslpMessage | undefined,
  result: string,
  sequenceNumber?: number,
  note?: string,
): MessageLogRow {
  return {
    deviceIdentification,
    correlationUid,
    direction,
    messageType: message ? Object.keys(message)[0] : 'none',
    sequenceNumber: sequenceNumber ?? null,
    result,
    summary: note ?? (message ? summarize(message) : ''),
  };
}

/** The log rows of an exchange that failed before an answer arrived. */
export function failedExchangeLog(
  deviceIdentification: string,
  correlationUid: string,
  message: OslpMessage,
  failure: ExchangeError,
  attempt: number,
): MessageLogRow {
  return messageLogRow(deviceIdentification, correlationUid, 'TO_DEVICE', message, failure.code, undefined, `${summarize(message)} (attempt ${attempt}): ${failure.text}`);
}

/** Many message log rows in one statement of column arrays (db/bulk-insert.ts: Prisma's createMany costs ~20x). */
export async function insertMessageLogRows(prisma: PrismaClient, rows: readonly MessageLogRow[]): Promise<void> {
  await insertColumnArrays(prisma, messageLogInsert(rows));
}

/**
 * A device's new sequence number and the log rows of the exchange that used it, in one statement (a data-
 * modifying WITH): atomic as the transaction it replaces, in one round trip instead of four.
 */
export async function recordExchange(
  prisma: PrismaClient,
  deviceId: string,
  sequenceNumber: number,
  acceptedVerificationKey: string | undefined,
  rows: readonly MessageLogRow[],
): Promise<void> {
  // The device answered: its last communication time (status monitoring) rides on the same statement, and so
  // does a verification key it just accepted (kept only when accepted, with the sequence number that used it).
  const now = new Date().toISOString();
  await prisma.$executeRaw`WITH "sequence" AS (
      UPDATE "Device" SET "sequenceNumber" = ${sequenceNumber}, "lastCommunicationAt" = ${now}::timestamp(3), "updatedAt" = ${now}::timestamp(3),
        "platformVerificationKey" = COALESCE(${acceptedVerificationKey ?? null}::text, "platformVerificationKey")
      WHERE "id" = ${deviceId}
    ) ${columnArraysInsert(messageLogInsert(rows))}`;
}

function messageLogInsert(rows: readonly MessageLogRow[]): BulkInsert {
  const column = <K extends keyof MessageLogRow>(key: K): Array<MessageLogRow[K]> => rows.map((row) => row[key]);
  return {
    table: 'DeviceMessageLog',
    columns: [
      { name: 'deviceIdentification', type: 'text', values: column('deviceIdentification') },
      { name: 'correlationUid', type: 'text', values: column('correlationUid') },
      { name: 'direction', type: 'text', values: column('direction'), castTo: '"MessageDirection"' },
      { name: 'messageType', type: 'text', values: column('messageType') },
      { name: 'sequenceNumber', type: 'int', values: column('sequenceNumber') },
      { name: 'result', type: 'text', values: column('result') },
      { name: 'summary', type: 'text', values: column('summary') },
    ],
  };
}
