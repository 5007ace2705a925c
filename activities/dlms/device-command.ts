// The DLMS adapter's executeDeviceCommand activity: load the meter's settings, open its sealed keys, take the
// meter's lock (one association at a time), reserve invocation counters, associate, run each action's generic
// COSEM operations in order, release, and keep the counter and the message log (never a key or password).
// A failure to associate is one failure of the whole command: wrong keys or password are permanent
// (non-retryable, so no retry storm that locks a meter out), a refused or dropped connection transient. Once
// associated, each action gets its own outcome: a dropped link fails the running action and the ones after it
// transiently, so the workflow sends only those again.
import { Context } from '@temporalio/activity';
import type { AdapterActivities, DlmsAdapterActivities } from '../../core/adapter-contract';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type {
  CosemOperation,
  CosemOperationResult,
  CosemValue,
  DeviceCommandOutcome,
  DeviceCommandRequest,
  DeviceFailureDetails,
  DlmsActionResult,
  DlmsCommandRequest,
  PermanentFailureType,
  SealedGlobalKey,
} from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import type { Counter, DeviceCommandMetrics } from '../../common/metrics';
import type { Prisma, PrismaClient } from '../../db/client';
import {
  DlmsError,
  associate as dlmsAssociate,
  decodeCosemDateTime,
  globalKeyTransferParameter,
  type DlmsAssociation,
  type DlmsConnectionSettings,
  type GlobalKeyType,
} from '../../adapters/dlms';
import { DlmsKeyStoreError, type DlmsKeyStore, type DlmsSecretPurpose } from '../../core/keys/dlms-key-store';
import { clockDeviationMs } from '../../core/monitoring/communication';
import { MeterBusyError, createMeterLock, type MeterLock } from './meter-lock';
import { describeOperation, describeValue, fromDlmsData, fromObjectList, toDlmsData, toSelectiveAccess } from './translate';

export interface DlmsActivityDeps {
  prisma: PrismaClient;
  keys: DlmsKeyStore;
  logger: Logger;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** The DLMS client's associate (tests may hand in another). */
  associate?: (settings: DlmsConnectionSettings) => Promise<DlmsAssociation>;
  lock?: MeterLock;
  deviceMessages?: Counter;
  /** Latency, outcome and in-flight count of each meter command (one association). */
  commandMetrics?: DeviceCommandMetrics;
}

/**
 * Invocation counters reserved before each association: the stored counter moves past them first, so an
 * adapter that dies mid-association never makes the platform use a counter twice (the meter would refuse it).
 */
export const invocationCounterReservation = 100_000;

/** Data-Access-Results a retry can help with; every other refusal is permanent. */
const transientDataAccessResults = new Set(['temporary-failure', 'hardware-fault']);

/** Why the actions after a key transfer wait for the next association (which uses the new keys). */
const keysReplaced: Classified = {
  type: 'KEYS_REPLACED',
  permanent: false,
  message: "the meter's keys were replaced in this association; sent again over one with the new keys",
};

/** The meter refused a global key transfer: its master key is not the one stored, or it does not take such keys. */
export class KeyTransferRefusedError extends Error {
  override readonly name = 'KeyTransferRefusedError';
}

/** Where each transferred key is kept (and what it was sealed for). */
const keyPurpose: Record<SealedGlobalKey['keyType'], DlmsSecretPurpose> = {
  AUTHENTICATION: 'authenticationKey',
  UNICAST_ENCRYPTION: 'blockCipherKey',
};
const keyColumn = { AUTHENTICATION: 'authenticationKeySealed', UNICAST_ENCRYPTION: 'blockCipherKeySealed' } as const;

interface Classified {
  type: string;
  permanent: boolean;
  message: string;
}

export function classifyDlmsFailure(error: unknown): Classified {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DlmsError) {
    switch (error.code) {
      case 'AUTHENTICATION_FAILED':
      case 'ASSOCIATION_REJECTED':
      case 'DECRYPTION_FAILED':
        return { type: error.code, permanent: true, message };
      case 'CONNECTION':
      case 'TIMEOUT':
        return { type: error.code, permanent: false, message };
      case 'DATA_ACCESS':
        return {
          type: 'DATA_ACCESS',
          permanent: !transientDataAccessResults.has(error.dataAccessResult ?? ''),
          message: error.dataAccessResult ? `${message} (${error.dataAccessResult})` : message,
        };
      case 'PROTOCOL':
        return { type: 'DEVICE_FAILURE', permanent: true, message };
    }
  }
  if (error instanceof MeterBusyError) return { type: 'METER_BUSY', permanent: false, message };
  if (error instanceof KeyTransferRefusedError) return { type: 'KEY_TRANSFER_REFUSED', permanent: true, message };
  if (error instanceof DlmsKeyStoreError) return { type: 'DEVICE_NOT_REACHABLE_CONFIG', permanent: true, message };
  return { type: 'DEVICE_ERROR', permanent: false, message };
}

/** The meter's clock (COSEM class 8, attribute 2 is its time). */
const clockObis = '0.0.1.0.0.255';

/**
 * The meter's clock deviation from one action's operations and results: a read of the clock gives its
 * time against `now` (the answer has just arrived); a write of the platform's time (date-time-now) makes it 0.
 * The last clock operation of the action counts; undefined when none answered.
 */
export function meterClockDeviation(operations: readonly CosemOperation[], results: readonly CosemOperationResult[] | undefined, now: Date): number | undefined {
  let deviation: number | undefined;
  operations.forEach((operation, i) => {
    const result = results?.[i];
    if (!result?.ok || operation.op === 'action' || operation.op === 'objectList' || operation.op === 'globalKeyTransfer') return;
    const { classId, obis, attribute } = operation.attribute;
    if (classId !== 8 || obis !== clockObis || attribute !== 2) return;
    if (operation.op === 'set') {
      if (operation.value.type === 'date-time-now') deviation = 0;
      return;
    }
    const meterTime = meterInstant(result.value);
    if (meterTime) deviation = clockDeviationMs(meterTime, now);
  });
  return deviation;
}

/** The instant of a clock value: a date-time, or the 12-byte (24 hex digits) octet-string most meters send the clock as. */
function meterInstant(value: CosemValue | undefined): Date | undefined {
  if (value?.type === 'date-time') return value.instant ? new Date(value.instant) : undefined;
  if (value?.type !== 'octet-string' || value.hex.length !== 24) return undefined;
  try {
    return decodeCosemDateTime(Buffer.from(value.hex, 'hex')).date ?? undefined;
  } catch {
    return undefined;
  }
}

/** Generic commands are refused as UNSUPPORTED_COMMAND, so a meter in a generic request gets a clear result. */
export function createDlmsActivities(deps: DlmsActivityDeps): AdapterActivities & DlmsAdapterActivities {
  const { prisma, keys, logger, deviceMessages } = deps;
  const associate = deps.associate ?? dlmsAssociate;
  const lock = deps.lock ?? createMeterLock(prisma);

  return {
    async executeDeviceCommand(request: DeviceCommandRequest | DlmsCommandRequest): Promise<DeviceCommandOutcome> {
      const info = Context.current().info;
      const command = request.command;
      // The smart metering workflow retries (per action), so its attempt number is the one to report.
      const attempt = command.kind === 'dlms' && command.attempt !== undefined ? command.attempt : info.attempt;
      const details = [{ attempt } satisfies DeviceFailureDetails];
      const fail = (type: PermanentFailureType, message: string): never => {
        throw ApplicationFailure.create({ type, message, nonRetryable: true, details });
      };
      if (command.kind !== 'dlms') return fail('UNSUPPORTED_COMMAND', `Smart meters do not support ${command.kind}`);

      const device = await prisma.device.findUnique({ where: { identification: request.deviceIdentification }, include: { dlmsMeter: true } });
      if (!device) return fail('DEVICE_UNKNOWN', `Device ${request.deviceIdentification} is unknown`);
      const meter = device.dlmsMeter;
      if (!meter || !device.networkAddress || !device.port) {
        return fail('DEVICE_NOT_REACHABLE_CONFIG', `Meter ${device.identification} has no DLMS settings, network address or port`);
      }

      const log = (direction: 'TO_DEVICE' | 'FROM_DEVICE', messageType: string, result: string, summary: string): Prisma.DeviceMessageLogCreateManyInput => ({
        deviceIdentification: device.identification,
        correlationUid: request.correlationUid,
        direction,
        messageType,
        result,
        summary: summary.length > 1000 ? `${summary.slice(0, 997)}...` : summary,
        // When it happened, not when the log was written (after the association).
        createdAt: new Date(),
      });
      const messages: Prisma.DeviceMessageLogCreateManyInput[] = [];

      // The lease and the wait for the meter both fit inside this attempt's own timeout.
      const attemptMs = info.startToCloseTimeoutMs || deps.connectTimeoutMs + deps.responseTimeoutMs;
      const startedAt = Date.now();
      const exchanged = deps.commandMetrics?.start('DLMS', command.kind); // one association, whichever operations it carries
      try {
        return await lock.withMeter(meter.deviceId, attemptMs, Math.max(0, attemptMs - deps.connectTimeoutMs - deps.responseTimeoutMs), async () => {
          const settings = await settingsFor(device.identification, device.networkAddress as string, device.port as number, meter);
          messages.push(
            log('TO_DEVICE', 'AARQ', 'SENT', `associate ${meter.transport} client ${meter.clientAddress} server ${meter.serverAddress} ${meter.authentication} (attempt ${attempt})`),
          );
          let association: DlmsAssociation;
          // Set when the meter turned out to hold the keys this command transfers (an earlier attempt's transfer
          // took effect, but its answer was lost): that transfer is done.
          let transferredEarlier: GlobalKeyTransferOperation | undefined;
          try {
            association = await associate(settings);
          } catch (error) {
            const failure = classifyDlmsFailure(error);
            messages.push(log('FROM_DEVICE', 'AARE', failure.type, failure.message));
            const transfer = command.actions.flatMap((a) => a.operations).find((o): o is GlobalKeyTransferOperation => o.op === 'globalKeyTransfer');
            if (!transfer || !settings.keys || (failure.type !== 'AUTHENTICATION_FAILED' && failure.type !== 'DECRYPTION_FAILED')) throw failure;
            // The stored keys fail and a key transfer is pending: the meter may hold its keys already.
            const newKeys = { ...settings.keys };
            for (const { type, key } of openTransferKeys(transfer, device.identification)) {
              if (type === 'AUTHENTICATION') newKeys.authenticationKey = key;
              else newKeys.blockCipherKey = key;
            }
            messages.push(log('TO_DEVICE', 'AARQ', 'SENT', `associate with the keys being transferred (attempt ${attempt})`));
            try {
              // Counters past the failed association's (a meter may refuse one it has seen, whatever the key).
              association = await associate({ ...settings, keys: newKeys, invocationCounter: (settings.invocationCounter ?? 1) + 16 });
            } catch (second) {
              const again = classifyDlmsFailure(second);
              messages.push(log('FROM_DEVICE', 'AARE', again.type, again.message));
              throw failure;
            }
            await storeTransferredKeys(transfer, meter.deviceId, device.identification);
            transferredEarlier = transfer;
          }
          messages.push(log('FROM_DEVICE', 'AARE', 'OK', transferredEarlier ? 'associated with the transferred keys: the meter holds them; stored' : 'associated'));
          const results: DlmsActionResult[] = [];
          let linkLost: Classified | undefined;
          /** The meter's clock minus the platform's, when an action read or set its clock (time synchronisation). */
          let clockDeviation: number | undefined;
          try {
            for (const action of command.actions) {
              if (linkLost) {
                results.push({ id: action.id, outcome: 'TRANSIENT_FAILURE', errorCode: linkLost.type, message: `Not reached: ${linkLost.message}` });
                continue;
              }
              if (transferredEarlier && action.operations.includes(transferredEarlier)) {
                results.push({ id: action.id, outcome: 'OK', results: [{ ok: true }] });
                continue;
              }
              messages.push(log('TO_DEVICE', 'action', 'SENT', `action ${action.id}: ${action.operations.map(describeOperation).join('; ')}`));
              const outcome = await runAction(association, action.operations, (operation) => transferKeys(association, operation, device.identification, meter));
              results.push({ id: action.id, ...outcome.result });
              clockDeviation = meterClockDeviation(action.operations, outcome.result.results, new Date()) ?? clockDeviation;
              messages.push(
                log('FROM_DEVICE', 'action', outcome.result.outcome, `action ${action.id}: ${outcome.result.message ?? (outcome.result.results ?? []).map((r) => (r.ok ? describeValue(r.value) : r.errorCode)).join('; ')}`),
              );
              linkLost = outcome.linkLost ?? (outcome.keysReplaced ? keysReplaced : undefined);
            }
          } finally {
            await association.release().catch(() => undefined);
            messages.push(log('TO_DEVICE', 'RLRQ', 'SENT', 'release'));
            const serverSystemTitle = association.serverSystemTitle?.toString('hex').toUpperCase();
            await prisma.dlmsMeter.update({
              where: { deviceId: meter.deviceId },
              data: {
                lastAssociatedAt: new Date(),
                // HLS: the next counter to use (below the reserved block, so the unused rest is not skipped).
                ...(meter.authentication === 'HIGH_GMAC' ? { invocationCounter: BigInt(association.invocationCounter) } : {}),
                ...(serverSystemTitle ? { serverSystemTitle } : {}),
              },
            });
            // Associated: the meter communicates (status monitoring), and its clock deviation if one was read.
            const heardAt = new Date();
            await prisma.device.update({
              where: { id: device.id },
              data: { lastCommunicationAt: heardAt, ...(clockDeviation === undefined ? {} : { clockDeviationMs: clockDeviation, clockCheckedAt: heardAt }) },
            });
          }
          const okCount = results.filter((r) => r.outcome === 'OK').length;
          deviceMessages?.inc({ protocol: 'DLMS', result: okCount === results.length ? 'OK' : 'PARTIAL' });
          exchanged?.(okCount === results.length ? 'OK' : 'PARTIAL');
          return { response: { kind: 'dlms' as const, actions: results }, attempt };
        });
      } catch (error) {
        const failure = isClassified(error) ? error : classifyDlmsFailure(error);
        deviceMessages?.inc({ protocol: 'DLMS', result: failure.type });
        exchanged?.(failure.type);
        logger.warn('meter command failed', {
          device: device.identification,
          correlationUid: request.correlationUid,
          attempt,
          code: failure.type,
          error: failure.message,
          ms: Date.now() - startedAt,
        });
        // BENIGN: logged just above; the SDK would write the same failure again at WARN.
        throw ApplicationFailure.create({
          type: failure.type,
          message: `${device.identification}: ${failure.message}`,
          nonRetryable: failure.permanent,
          details,
          category: ApplicationFailureCategory.BENIGN,
        });
      } finally {
        await prisma.deviceMessageLog.createMany({ data: messages }).catch((error: unknown) => logger.warn('message log not written', { error }));
      }
    },
  };

  /**
   * global_key_transfer: the new keys (sealed for this meter) wrapped under its master key; once the meter
   * took them they are stored as its keys, sealed as they came. A refusal leaves the stored keys alone.
   */
  async function transferKeys(
    association: DlmsAssociation,
    operation: GlobalKeyTransferOperation,
    identification: string,
    meter: Prisma.DlmsMeterGetPayload<object>,
  ): Promise<CosemOperationResult> {
    if (meter.authentication !== 'HIGH_GMAC') throw new DlmsKeyStoreError(`Meter ${identification} does not use HLS keys: there are none to replace`);
    if (!meter.masterKeySealed) throw new DlmsKeyStoreError(`Meter ${identification} has no master key: keys cannot be transferred to it`);
    const masterKey = keys.open(meter.masterKeySealed, identification, 'masterKey');
    try {
      await association.action({ classId: 64, obis: operation.securitySetup, method: 2 }, globalKeyTransferParameter(masterKey, openTransferKeys(operation, identification)));
    } catch (error) {
      if (error instanceof DlmsError && error.code === 'DATA_ACCESS' && !transientDataAccessResults.has(error.dataAccessResult ?? '')) {
        throw new KeyTransferRefusedError(
          `The meter refused the new keys (${error.dataAccessResult ?? 'refused'}): its master key is not the one stored for it, or it does not accept these keys; its keys are unchanged`,
        );
      }
      throw error;
    }
    await storeTransferredKeys(operation, meter.deviceId, identification);
    return { ok: true };
  }

  /** The new keys of a transfer, opened (they were sealed for this meter and the purpose they will have). */
  function openTransferKeys(operation: GlobalKeyTransferOperation, identification: string): Array<{ type: GlobalKeyType; key: Buffer }> {
    return operation.keys.map((k) => {
      const key = keys.open(k.sealed, identification, keyPurpose[k.keyType]);
      if (key.length !== 16) throw new DlmsKeyStoreError(`The new ${keyPurpose[k.keyType]} of ${identification} is not 16 bytes`);
      return { type: k.keyType, key };
    });
  }

  /** The meter holds the transferred keys: they become its stored keys, sealed as they came. */
  async function storeTransferredKeys(operation: GlobalKeyTransferOperation, deviceId: string, identification: string): Promise<void> {
    const data: Prisma.DlmsMeterUpdateInput = {};
    for (const k of operation.keys) data[keyColumn[k.keyType]] = k.sealed;
    await prisma.dlmsMeter.update({ where: { deviceId }, data });
    logger.info('meter keys replaced', { device: identification, keys: operation.keys.map((k) => k.keyType) });
  }

  /** The connection settings of a meter, secrets opened; reserves the invocation counters it may use. */
  async function settingsFor(
    identification: string,
    host: string,
    port: number,
    meter: Prisma.DlmsMeterGetPayload<object>,
  ): Promise<DlmsConnectionSettings> {
    const settings: DlmsConnectionSettings = {
      host,
      port,
      transport: meter.transport,
      clientAddress: meter.clientAddress,
      serverAddress: meter.serverAddress,
      authentication: meter.authentication,
      connectTimeoutMs: deps.connectTimeoutMs,
      responseTimeoutMs: deps.responseTimeoutMs,
      ...(meter.hdlcLowerServerAddress !== null ? { hdlcLowerServerAddress: meter.hdlcLowerServerAddress } : {}),
    };
    if (meter.authentication === 'LOW') {
      if (!meter.passwordSealed) throw new DlmsKeyStoreError(`Meter ${identification} uses LLS but has no password`);
      settings.password = keys.open(meter.passwordSealed, identification, 'password');
    }
    if (meter.authentication === 'HIGH_GMAC') {
      if (!meter.authenticationKeySealed || !meter.blockCipherKeySealed) throw new DlmsKeyStoreError(`Meter ${identification} uses HLS but has no keys`);
      settings.keys = {
        authenticationKey: keys.open(meter.authenticationKeySealed, identification, 'authenticationKey'),
        blockCipherKey: keys.open(meter.blockCipherKeySealed, identification, 'blockCipherKey'),
      };
      if (meter.clientSystemTitle) settings.clientSystemTitle = Buffer.from(meter.clientSystemTitle, 'hex');
      // Serialised per meter (the lock), so a plain read-then-advance cannot hand out a counter twice.
      const reserved = await prisma.dlmsMeter.update({
        where: { deviceId: meter.deviceId },
        data: { invocationCounter: { increment: invocationCounterReservation } },
        select: { invocationCounter: true },
      });
      settings.invocationCounter = Number(reserved.invocationCounter - BigInt(invocationCounterReservation));
    }
    return settings;
  }
}

function isClassified(error: unknown): error is Classified {
  return typeof error === 'object' && error !== null && !(error instanceof Error) && 'type' in error && 'permanent' in error;
}

type GlobalKeyTransferOperation = Extract<CosemOperation, { op: 'globalKeyTransfer' }>;

/**
 * Runs one action's operations; a dropped link ends it (and says so), a refused operation fails it. After a
 * key transfer the meter holds other keys than this association's: it must be its action's last operation,
 * and keysReplaced tells the caller to send nothing more over this association.
 */
async function runAction(
  association: DlmsAssociation,
  operations: CosemOperation[],
  transferKeys: (operation: GlobalKeyTransferOperation) => Promise<CosemOperationResult>,
): Promise<{ result: Omit<DlmsActionResult, 'id'>; linkLost?: Classified; keysReplaced?: boolean }> {
  const results: CosemOperationResult[] = [];
  const transferAt = operations.findIndex((o) => o.op === 'globalKeyTransfer');
  if (transferAt !== -1 && transferAt !== operations.length - 1) {
    return { result: { outcome: 'PERMANENT_FAILURE', errorCode: 'DEVICE_FAILURE', message: 'A key transfer must be the last operation of its action' } };
  }
  for (const operation of operations) {
    try {
      if (operation.op === 'globalKeyTransfer') {
        results.push(await transferKeys(operation));
        return { result: { outcome: 'OK', results }, keysReplaced: true };
      }
      results.push(await runOperation(association, operation));
    } catch (error) {
      const failure = classifyDlmsFailure(error);
      if (failure.type === 'CONNECTION' || failure.type === 'TIMEOUT') {
        return { result: { outcome: 'TRANSIENT_FAILURE', errorCode: failure.type, message: failure.message }, linkLost: failure };
      }
      if (operation.optional && failure.type === 'DATA_ACCESS') {
        results.push({ ok: false, errorCode: failure.type, message: failure.message, ...dataAccessOf(error) });
        continue;
      }
      return {
        result: {
          outcome: failure.permanent ? 'PERMANENT_FAILURE' : 'TRANSIENT_FAILURE',
          errorCode: failure.type,
          message: `${describeOperation(operation)}: ${failure.message}`,
        },
      };
    }
  }
  return { result: { outcome: 'OK', results } };
}

function dataAccessOf(error: unknown): { dataAccessResult?: string } {
  return error instanceof DlmsError && error.dataAccessResult ? { dataAccessResult: error.dataAccessResult } : {};
}

async function runOperation(association: DlmsAssociation, operation: Exclude<CosemOperation, GlobalKeyTransferOperation>): Promise<CosemOperationResult> {
  switch (operation.op) {
    case 'get': {
      const data = await association.get(operation.attribute, operation.access ? toSelectiveAccess(operation.access) : undefined);
      return { ok: true, value: fromDlmsData(data) };
    }
    case 'set': {
      const value = toDlmsData(operation.value);
      await association.set(operation.attribute, value);
      return { ok: true, value: fromDlmsData(value) };
    }
    case 'action': {
      const answer = await association.action(operation.method, operation.parameter ? toDlmsData(operation.parameter) : undefined);
      return answer ? { ok: true, value: fromDlmsData(answer) } : { ok: true };
    }
    case 'objectList':
      return { ok: true, objects: fromObjectList(await association.objectList()) };
  }
}
