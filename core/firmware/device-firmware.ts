// Firmware on devices: which model a device is, which firmware fits it, the download URLs a firmware update
// sends, serving an image to the device it was meant for, and the history of the versions each device
// reported.
import type { PrismaClient } from '../../db/client';
import type { FirmwareReportSource } from '../../generated/prisma/enums';
import { authorizeDevices } from '../authorization/device-gate';
import { DomainError } from '../errors';
import type { AuthenticatedOrganisation } from '../organisations';
import type { DeviceTarget } from '../requests/request-types';
import { deviceModelByRef, firmwareByIdentification, type DeviceModelRef } from './catalogue';
import { firmwareDownloadPath, type FirmwareSettings } from './settings';
import { checkDownloadToken, createDownloadToken } from './tokens';

/** core.setDeviceModel: which model a device is (firmware fits models). */
export async function setDeviceModel(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  deviceIdentification: string,
  model: DeviceModelRef | null,
): Promise<void> {
  await authorizeDevices(prisma, caller, [deviceIdentification], 'UPDATE_DEVICE', { operational: false });
  const deviceModelId = model ? (await deviceModelByRef(prisma, model, 'body.modelCode')).id : null;
  await prisma.device.update({ where: { identification: deviceIdentification }, data: { deviceModelId } });
}

export interface FirmwareToInstall {
  firmwareId: string;
  firmwareIdentification: string;
  version: string;
}

/**
 * The firmware an update installs, once it is known to fit every device: a device of another model (or of
 * no known model) is refused, naming the devices. The devices themselves pass the gate before this.
 */
export async function firmwareFittingDevices(
  prisma: PrismaClient,
  firmwareIdentification: string,
  deviceIdentifications: string[],
): Promise<FirmwareToInstall> {
  const firmware = await firmwareByIdentification(prisma, firmwareIdentification, 'body.firmwareIdentification');
  if (!firmware.active) {
    throw new DomainError('INVALID', 'FIRMWARE_NOT_ACTIVE', `Firmware ${firmwareIdentification} is not active`, 'body.firmwareIdentification');
  }
  const misfits = await devicesNotFitting(prisma, firmware.id, deviceIdentifications);
  if (misfits.length > 0) {
    throw new DomainError(
      'INVALID',
      'FIRMWARE_DOES_NOT_FIT_DEVICE_MODEL',
      `Firmware ${firmwareIdentification} does not fit the model of ${misfits
        .slice(0, 10)
        .map((d) => `${d.identification} (${d.model ?? 'no device model'})`)
        .join(', ')}${misfits.length > 10 ? ` and ${misfits.length - 10} more` : ''}`,
      'deviceIdentifications',
    );
  }
  return { firmwareId: firmware.id, firmwareIdentification: firmware.identification, version: firmware.version };
}

/** The devices (of those named) whose model the firmware does not name. */
export async function devicesNotFitting(
  prisma: PrismaClient,
  firmwareId: string,
  deviceIdentifications: string[],
): Promise<Array<{ identification: string; model: string | null }>> {
  const rows = await prisma.device.findMany({
    where: {
      identification: { in: deviceIdentifications },
      OR: [{ deviceModelId: null }, { deviceModel: { firmwares: { none: { firmwareId } } } }],
    },
    select: { identification: true, deviceModel: { select: { modelCode: true, manufacturer: { select: { code: true } } } } },
  });
  return rows.map((row) => ({
    identification: row.identification,
    model: row.deviceModel ? `${row.deviceModel.manufacturer.code}/${row.deviceModel.modelCode}` : null,
  }));
}

/** Checks an updateFirmware on devices: the gate (UPDATE_FIRMWARE, operational) and the device models. */
export async function authorizeFirmwareUpdate(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  deviceIdentifications: string[],
  firmwareIdentification: string,
): Promise<{ devices: DeviceTarget[]; firmware: FirmwareToInstall }> {
  const devices = await authorizeDevices(prisma, caller, deviceIdentifications, 'UPDATE_FIRMWARE');
  const firmware = await firmwareFittingDevices(prisma, firmwareIdentification, deviceIdentifications);
  return { devices, firmware };
}

export interface FirmwareDownload {
  deviceIdentification: string;
  firmwareDomain: string;
  firmwareUrl: string;
}

/** A download URL for each device, with a token for it alone that expires after the configured time. */
export function firmwareDownloads(settings: FirmwareSettings, firmwareId: string, deviceIdentifications: string[], nowMs: number): FirmwareDownload[] {
  const expiresAtMs = nowMs + settings.tokenTtlMs;
  return deviceIdentifications.map((deviceIdentification) => ({
    deviceIdentification,
    firmwareDomain: settings.downloadDomain,
    firmwareUrl: firmwareDownloadPath(firmwareId, createDownloadToken(settings.tokenSecret, { deviceIdentification, firmwareId, expiresAtMs })),
  }));
}

export type DownloadOutcome =
  | { ok: true; content: Buffer; sha256: string; version: string; filename: string | null; deviceIdentification: string }
  | { ok: false; status: 403 | 404; reason: string; deviceIdentification?: string };

/** What GET /firmware/<firmwareId>/<token> answers: the image for the device the token names, or why not. */
export async function serveFirmwareDownload(
  prisma: PrismaClient,
  settings: FirmwareSettings,
  firmwareId: string,
  token: string,
  nowMs: number,
): Promise<DownloadOutcome> {
  const check = checkDownloadToken(settings.tokenSecret, token, firmwareId, nowMs);
  if (!check.ok) return { ok: false, status: 403, reason: `token ${check.reason}`, deviceIdentification: check.deviceIdentification };
  const firmware = /^[0-9a-f-]{36}$/.test(firmwareId)
    ? await prisma.firmware.findUnique({ where: { id: firmwareId }, select: { sha256: true, version: true, filename: true } })
    : null;
  if (!firmware) return { ok: false, status: 404, reason: 'firmware removed', deviceIdentification: check.deviceIdentification };
  const content = await settings.store.get(firmware.sha256);
  if (!content) return { ok: false, status: 404, reason: 'image missing from the store', deviceIdentification: check.deviceIdentification };
  return { ok: true, content, sha256: firmware.sha256, version: firmware.version, filename: firmware.filename, deviceIdentification: check.deviceIdentification };
}

// ---------------------------------------------------------------- history

export interface FirmwareReport {
  deviceIdentification: string;
  version: string;
  source: FirmwareReportSource;
  /** Epoch ms; default now. */
  atMs?: number;
  installedBy?: string;
}

/**
 * Keeps what devices reported. A report of the version the device's history already ends with adds nothing
 * (a rollout asks often), so the history is the sequence of versions a device ran, each from when it was
 * first reported. Idempotent, as activities must be.
 */
export async function recordFirmwareReports(prisma: PrismaClient, reports: FirmwareReport[]): Promise<number> {
  if (reports.length === 0) return 0;
  const devices = await prisma.device.findMany({
    where: { identification: { in: [...new Set(reports.map((r) => r.deviceIdentification))] } },
    select: {
      id: true,
      identification: true,
      deviceModelId: true,
      firmwareHistory: { orderBy: [{ reportedAt: 'desc' }, { id: 'desc' }], take: 1, select: { version: true } },
    },
  });
  const byIdentification = new Map(devices.map((d) => [d.identification, d]));
  const latest = new Map(devices.map((d) => [d.id, d.firmwareHistory[0]?.version]));
  const rows: Array<{ deviceId: string; version: string; source: FirmwareReportSource; reportedAt: Date; installedBy: string | null; firmwareId: string | null }> = [];
  for (const report of reports) {
    const device = byIdentification.get(report.deviceIdentification);
    if (!device) continue;
    if (latest.get(device.id) === report.version && report.source !== 'SAVE_CURRENT_DEVICE_FIRMWARE') continue;
    latest.set(device.id, report.version);
    const firmware = await prisma.firmware.findFirst({
      where: { version: report.version, ...(device.deviceModelId ? { deviceModels: { some: { deviceModelId: device.deviceModelId } } } : {}) },
      select: { id: true },
      orderBy: { createdAt: 'desc' },
    });
    rows.push({
      deviceId: device.id,
      version: report.version,
      source: report.source,
      reportedAt: new Date(report.atMs ?? Date.now()),
      installedBy: report.installedBy ?? null,
      firmwareId: firmware?.id ?? null,
    });
  }
  if (rows.length > 0) await prisma.deviceFirmwareHistory.createMany({ data: rows });
  return rows.length;
}

/** OSGP's SaveCurrentDeviceFirmware: an operator records what a device runs (e.g. after installing it by hand). */
export async function saveCurrentDeviceFirmware(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  input: { deviceIdentification: string; firmwareIdentification: string; installedBy?: string; installationDate?: string },
): Promise<void> {
  await authorizeDevices(prisma, caller, [input.deviceIdentification], 'UPDATE_FIRMWARE', { operational: false });
  const firmware = await firmwareByIdentification(prisma, input.firmwareIdentification, 'body.firmwareIdentification');
  const misfits = await devicesNotFitting(prisma, firmware.id, [input.deviceIdentification]);
  if (misfits.length > 0) {
    throw new DomainError(
      'INVALID',
      'FIRMWARE_DOES_NOT_FIT_DEVICE_MODEL',
      `Firmware ${firmware.identification} does not fit the model of ${input.deviceIdentification} (${misfits[0].model ?? 'no device model'})`,
      'body.firmwareIdentification',
    );
  }
  await recordFirmwareReports(prisma, [
    {
      deviceIdentification: input.deviceIdentification,
      version: firmware.version,
      source: 'SAVE_CURRENT_DEVICE_FIRMWARE',
      ...(input.installationDate ? { atMs: Date.parse(input.installationDate) } : {}),
      ...(input.installedBy ? { installedBy: input.installedBy } : {}),
    },
  ]);
}

export interface FirmwareHistoryEntry {
  id: string;
  version: string;
  firmwareIdentification: string | null;
  source: FirmwareReportSource;
  installedBy: string | null;
  reportedAt: string;
}

/** A device's history, newest first, paged by the id of the previous page's last entry. */
export async function getDeviceFirmwareHistory(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  deviceIdentification: string,
  page: { limit: number; after?: string },
): Promise<{ deviceModel: DeviceModelRef | null; entries: FirmwareHistoryEntry[]; last?: string }> {
  await authorizeDevices(prisma, caller, [deviceIdentification], 'GET_FIRMWARE_VERSION', { operational: false });
  const device = await prisma.device.findUniqueOrThrow({
    where: { identification: deviceIdentification },
    select: { id: true, deviceModel: { select: { modelCode: true, manufacturer: { select: { code: true } } } } },
  });
  const rows = await prisma.deviceFirmwareHistory.findMany({
    where: { deviceId: device.id, ...(page.after ? { id: { lt: BigInt(page.after) } } : {}) },
    orderBy: { id: 'desc' },
    take: page.limit + 1,
  });
  const firmwareIds = [...new Set(rows.flatMap((r) => (r.firmwareId ? [r.firmwareId] : [])))];
  const firmwares = new Map(
    (await prisma.firmware.findMany({ where: { id: { in: firmwareIds } }, select: { id: true, identification: true } })).map((f) => [f.id, f.identification]),
  );
  const entries = rows.slice(0, page.limit).map((row) => ({
    id: row.id.toString(),
    version: row.version,
    firmwareIdentification: row.firmwareId ? (firmwares.get(row.firmwareId) ?? null) : null,
    source: row.source,
    installedBy: row.installedBy,
    reportedAt: row.reportedAt.toISOString(),
  }));
  return {
    deviceModel: device.deviceModel ? { manufacturer: device.deviceModel.manufacturer.code, modelCode: device.deviceModel.modelCode } : null,
    entries,
    ...(rows.length > page.limit ? { last: entries[entries.length - 1].id } : {}),
  };
}

/** The version each device reported last, for a rollout deciding which devices already run its firmware. */
export async function latestFirmwareVersions(prisma: PrismaClient, deviceIdentifications: string[]): Promise<Map<string, string>> {
  const devices = await prisma.device.findMany({
    where: { identification: { in: deviceIdentifications } },
    select: { identification: true, firmwareHistory: { orderBy: [{ reportedAt: 'desc' }, { id: 'desc' }], take: 1, select: { version: true } } },
  });
  return new Map(devices.flatMap((d) => (d.firmwareHistory[0] ? [[d.identification, d.firmwareHistory[0].version] as const] : [])));
}
