// The firmware catalogue (OSGP's CoreFirmwareManagement, ADMIN only): manufacturers, device models and
// firmwares with their images. An image is checked (not empty, within the size limit, the hash the caller
// expected) and stored once per distinct SHA-256, however many firmwares name it.
import type { Prisma, PrismaClient } from '../../db/client';
import { DomainError } from '../errors';
import { requireAdmin, type AuthenticatedOrganisation } from '../organisations';
import type { FirmwareSettings } from './settings';
import { sha256Hex } from './store';

export interface ManufacturerInput {
  code: string;
  name: string;
  usePrefix?: boolean;
}

export interface DeviceModelRef {
  manufacturer: string;
  modelCode: string;
}

export interface DeviceModelInput extends DeviceModelRef {
  description?: string;
  metered?: boolean;
}

export interface FirmwareFields {
  filename?: string;
  description?: string;
  version?: string;
  moduleVersions?: Record<string, string>;
  pushToNewDevices?: boolean;
  active?: boolean;
  deviceModels?: DeviceModelRef[];
}

export interface NewFirmware extends FirmwareFields {
  identification: string;
  version: string;
  deviceModels: DeviceModelRef[];
  /** The image, Base64. */
  file: string;
  /** The SHA-256 (hex) the caller expects the image to have. */
  sha256?: string;
}

export interface FirmwareView {
  id: string;
  identification: string;
  filename: string | null;
  description: string | null;
  version: string;
  moduleVersions: Record<string, string> | null;
  pushToNewDevices: boolean;
  active: boolean;
  sha256: string;
  sizeBytes: number;
  deviceModels: DeviceModelRef[];
  createdAt: string;
  updatedAt: string;
}

const firmwareSelect = {
  id: true,
  identification: true,
  filename: true,
  description: true,
  version: true,
  moduleVersions: true,
  pushToNewDevices: true,
  active: true,
  sha256: true,
  sizeBytes: true,
  createdAt: true,
  updatedAt: true,
  deviceModels: { select: { deviceModel: { select: { modelCode: true, manufacturer: { select: { code: true } } } } } },
} satisfies Prisma.FirmwareSelect;

type FirmwareRow = Prisma.FirmwareGetPayload<{ select: typeof firmwareSelect }>;

function viewOf(row: FirmwareRow): FirmwareView {
  return {
    id: row.id,
    identification: row.identification,
    filename: row.filename,
    description: row.description,
    version: row.version,
    moduleVersions: (row.moduleVersions as Record<string, string> | null) ?? null,
    pushToNewDevices: row.pushToNewDevices,
    active: row.active,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    deviceModels: row.deviceModels
      .map((m) => ({ manufacturer: m.deviceModel.manufacturer.code, modelCode: m.deviceModel.modelCode }))
      .sort((a, b) => `${a.manufacturer}/${a.modelCode}`.localeCompare(`${b.manufacturer}/${b.modelCode}`)),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}

// ---------------------------------------------------------------- manufacturers

export async function addManufacturer(prisma: PrismaClient, caller: AuthenticatedOrganisation, input: ManufacturerInput) {
  requireAdmin(caller);
  try {
    const row = await prisma.manufacturer.create({ data: { code: input.code, name: input.name, usePrefix: input.usePrefix ?? false } });
    return manufacturerView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', 'MANUFACTURER_EXISTS', `Manufacturer ${input.code} exists already`, 'body.code');
    throw error;
  }
}

export async function changeManufacturer(prisma: PrismaClient, caller: AuthenticatedOrganisation, code: string, input: Omit<ManufacturerInput, 'code'>) {
  requireAdmin(caller);
  const found = await manufacturerByCode(prisma, code);
  const row = await prisma.manufacturer.update({
    where: { id: found.id },
    data: { name: input.name, ...(input.usePrefix !== undefined ? { usePrefix: input.usePrefix } : {}) },
  });
  return manufacturerView(row);
}

export async function removeManufacturer(prisma: PrismaClient, caller: AuthenticatedOrganisation, code: string): Promise<void> {
  requireAdmin(caller);
  const found = await manufacturerByCode(prisma, code);
  const models = await prisma.deviceModel.count({ where: { manufacturerId: found.id } });
  if (models > 0) {
    throw new DomainError('CONFLICT', 'MANUFACTURER_IN_USE', `Manufacturer ${code} still has ${models} device model(s); remove them first`);
  }
  await prisma.manufacturer.delete({ where: { id: found.id } });
}

export async function findManufacturer(prisma: PrismaClient, caller: AuthenticatedOrganisation, code: string) {
  requireAdmin(caller);
  return manufacturerView(await manufacturerByCode(prisma, code));
}

export async function findAllManufacturers(prisma: PrismaClient, caller: AuthenticatedOrganisation) {
  requireAdmin(caller);
  const rows = await prisma.manufacturer.findMany({ orderBy: { code: 'asc' } });
  return rows.map(manufacturerView);
}

function manufacturerView(row: { code: string; name: string; usePrefix: boolean }) {
  return { code: row.code, name: row.name, usePrefix: row.usePrefix };
}

async function manufacturerByCode(prisma: PrismaClient, code: string, field = 'path.manufacturer') {
  const found = await prisma.manufacturer.findUnique({ where: { code } });
  if (!found) throw new DomainError('NOT_FOUND', 'MANUFACTURER_NOT_FOUND', `Manufacturer ${code} does not exist`, field);
  return found;
}

// ---------------------------------------------------------------- device models

const modelSelect = {
  id: true,
  modelCode: true,
  description: true,
  metered: true,
  manufacturer: { select: { code: true } },
} satisfies Prisma.DeviceModelSelect;

function modelView(row: Prisma.DeviceModelGetPayload<{ select: typeof modelSelect }>) {
  return { manufacturer: row.manufacturer.code, modelCode: row.modelCode, description: row.description, metered: row.metered };
}

/** The device model, or a 404 naming it. */
export async function deviceModelByRef(prisma: PrismaClient, ref: DeviceModelRef, field = 'path.modelCode') {
  const row = await prisma.deviceModel.findFirst({
    where: { modelCode: ref.modelCode, manufacturer: { code: ref.manufacturer } },
    select: modelSelect,
  });
  if (!row) {
    throw new DomainError('NOT_FOUND', 'DEVICE_MODEL_NOT_FOUND', `Device model ${ref.modelCode} of manufacturer ${ref.manufacturer} does not exist`, field);
  }
  return row;
}

export async function addDeviceModel(prisma: PrismaClient, caller: AuthenticatedOrganisation, input: DeviceModelInput) {
  requireAdmin(caller);
  const manufacturer = await manufacturerByCode(prisma, input.manufacturer, 'body.manufacturer');
  try {
    const row = await prisma.deviceModel.create({
      data: { manufacturerId: manufacturer.id, modelCode: input.modelCode, description: input.description ?? null, metered: input.metered ?? false },
      select: modelSelect,
    });
    return modelView(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DomainError('CONFLICT', 'DEVICE_MODEL_EXISTS', `Device model ${input.modelCode} of ${input.manufacturer} exists already`, 'body.modelCode');
    }
    throw error;
  }
}

export async function changeDeviceModel(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  ref: DeviceModelRef,
  input: { description?: string; metered?: boolean },
) {
  requireAdmin(caller);
  const found = await deviceModelByRef(prisma, ref);
  const row = await prisma.deviceModel.update({
    where: { id: found.id },
    data: { ...(input.description !== undefined ? { description: input.description } : {}), ...(input.metered !== undefined ? { metered: input.metered } : {}) },
    select: modelSelect,
  });
  return modelView(row);
}

export async function removeDeviceModel(prisma: PrismaClient, caller: AuthenticatedOrganisation, ref: DeviceModelRef): Promise<void> {
  requireAdmin(caller);
  const found = await deviceModelByRef(prisma, ref);
  const devices = await prisma.device.count({ where: { deviceModelId: found.id } });
  if (devices > 0) {
    throw new DomainError('CONFLICT', 'DEVICE_MODEL_IN_USE', `Device model ${ref.modelCode} of ${ref.manufacturer} is the model of ${devices} device(s)`);
  }
  await prisma.deviceModel.delete({ where: { id: found.id } });
}

export async function findDeviceModel(prisma: PrismaClient, caller: AuthenticatedOrganisation, ref: DeviceModelRef) {
  requireAdmin(caller);
  return modelView(await deviceModelByRef(prisma, ref));
}

export async function findAllDeviceModels(prisma: PrismaClient, caller: AuthenticatedOrganisation, manufacturer?: string) {
  requireAdmin(caller);
  const rows = await prisma.deviceModel.findMany({
    where: manufacturer ? { manufacturer: { code: manufacturer } } : {},
    select: modelSelect,
    orderBy: [{ manufacturer: { code: 'asc' } }, { modelCode: 'asc' }],
  });
  return rows.map(modelView);
}

// ---------------------------------------------------------------- firmwares

async function modelIdsOf(prisma: PrismaClient, refs: DeviceModelRef[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ref] of refs.entries()) ids.push((await deviceModelByRef(prisma, ref, `body.deviceModels.${i}`)).id);
  return [...new Set(ids)];
}

/** Checks and stores an upload; returns its hash and size. */
export async function storeFirmwareImage(settings: FirmwareSettings, file: string, expectedSha256?: string): Promise<{ sha256: string; sizeBytes: number }> {
  const content = Buffer.from(file, 'base64');
  if (content.length === 0) throw new DomainError('INVALID', 'FIRMWARE_FILE_EMPTY', 'body.file: the firmware file is empty', 'body.file');
  if (content.length > settings.maxSizeBytes) {
    throw new DomainError(
      'INVALID',
      'FIRMWARE_FILE_TOO_LARGE',
      `body.file: ${content.length} bytes, more than the limit of ${settings.maxSizeBytes} bytes`,
      'body.file',
    );
  }
  const sha256 = sha256Hex(content);
  if (expectedSha256 !== undefined && expectedSha256.toLowerCase() !== sha256) {
    throw new DomainError('INVALID', 'FIRMWARE_HASH_MISMATCH', `body.sha256: the file's SHA-256 is ${sha256}, not ${expectedSha256}`, 'body.sha256');
  }
  await settings.store.put(sha256, content);
  return { sha256, sizeBytes: content.length };
}

export async function addFirmware(prisma: PrismaClient, settings: FirmwareSettings, caller: AuthenticatedOrganisation, input: NewFirmware): Promise<FirmwareView> {
  requireAdmin(caller);
  const existing = await prisma.firmware.findUnique({ where: { identification: input.identification }, select: { id: true } });
  if (existing) throw new DomainError('CONFLICT', 'FIRMWARE_EXISTS', `Firmware ${input.identification} exists already`, 'body.identification');
  const modelIds = await modelIdsOf(prisma, input.deviceModels);
  const image = await storeFirmwareImage(settings, input.file, input.sha256);
  try {
    const row = await prisma.firmware.create({
      data: {
        identification: input.identification,
        filename: input.filename ?? null,
        description: input.description ?? null,
        version: input.version,
        ...(input.moduleVersions ? { moduleVersions: input.moduleVersions } : {}),
        pushToNewDevices: input.pushToNewDevices ?? false,
        active: input.active ?? true,
        sha256: image.sha256,
        sizeBytes: image.sizeBytes,
        deviceModels: { create: modelIds.map((deviceModelId) => ({ deviceModelId })) },
      },
      select: firmwareSelect,
    });
    return viewOf(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', 'FIRMWARE_EXISTS', `Firmware ${input.identification} exists already`, 'body.identification');
    throw error;
  }
}

/** OSGP's ChangeableFirmware: the catalogue fields; an image is only replaced by addOrChangeFirmware. */
export async function changeFirmware(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  identification: string,
  input: FirmwareFields,
  image?: { sha256: string; sizeBytes: number },
): Promise<FirmwareView> {
  requireAdmin(caller);
  const found = await firmwareByIdentification(prisma, identification);
  const modelIds = input.deviceModels ? await modelIdsOf(prisma, input.deviceModels) : undefined;
  const row = await prisma.$transaction(async (tx) => {
    if (modelIds) {
      await tx.firmwareDeviceModel.deleteMany({ where: { firmwareId: found.id } });
      await tx.firmwareDeviceModel.createMany({ data: modelIds.map((deviceModelId) => ({ firmwareId: found.id, deviceModelId })) });
    }
    return tx.firmware.update({
      where: { id: found.id },
      data: {
        ...(input.filename !== undefined ? { filename: input.filename } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.version !== undefined ? { version: input.version } : {}),
        ...(input.moduleVersions !== undefined ? { moduleVersions: input.moduleVersions } : {}),
        ...(input.pushToNewDevices !== undefined ? { pushToNewDevices: input.pushToNewDevices } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        ...(image ? image : {}),
      },
      select: firmwareSelect,
    });
  });
  return viewOf(row);
}

export async function addOrChangeFirmware(
  prisma: PrismaClient,
  settings: FirmwareSettings,
  caller: AuthenticatedOrganisation,
  input: NewFirmware,
): Promise<{ created: boolean; firmware: FirmwareView }> {
  requireAdmin(caller);
  const existing = await prisma.firmware.findUnique({ where: { identification: input.identification }, select: { sha256: true } });
  if (!existing) return { created: true, firmware: await addFirmware(prisma, settings, caller, input) };
  const image = await storeFirmwareImage(settings, input.file, input.sha256);
  const firmware = await changeFirmware(prisma, caller, input.identification, input, image);
  if (existing.sha256 !== image.sha256) await dropImageIfUnused(prisma, settings, existing.sha256);
  return { created: false, firmware };
}

export async function removeFirmware(prisma: PrismaClient, settings: FirmwareSettings, caller: AuthenticatedOrganisation, identification: string): Promise<void> {
  requireAdmin(caller);
  const found = await firmwareByIdentification(prisma, identification);
  await prisma.firmware.delete({ where: { id: found.id } });
  await dropImageIfUnused(prisma, settings, found.sha256);
}

async function dropImageIfUnused(prisma: PrismaClient, settings: FirmwareSettings, sha256: string): Promise<void> {
  const users = await prisma.firmware.count({ where: { sha256 } });
  if (users === 0) await settings.store.delete(sha256);
}

export async function findFirmware(prisma: PrismaClient, caller: AuthenticatedOrganisation, identification: string): Promise<FirmwareView> {
  requireAdmin(caller);
  return viewOf(await firmwareByIdentification(prisma, identification));
}

export interface FirmwareQuery {
  manufacturer?: string;
  modelCode?: string;
  active?: boolean;
  limit: number;
  /** The identification of the previous page's last firmware. */
  after?: string;
}

export async function findAllFirmwares(prisma: PrismaClient, caller: AuthenticatedOrganisation, query: FirmwareQuery) {
  requireAdmin(caller);
  const modelFilter =
    query.manufacturer || query.modelCode
      ? {
          deviceModels: {
            some: {
              deviceModel: {
                ...(query.modelCode ? { modelCode: query.modelCode } : {}),
                ...(query.manufacturer ? { manufacturer: { code: query.manufacturer } } : {}),
              },
            },
          },
        }
      : {};
  const rows = await prisma.firmware.findMany({
    where: {
      ...modelFilter,
      ...(query.active !== undefined ? { active: query.active } : {}),
      ...(query.after ? { identification: { gt: query.after } } : {}),
    },
    select: firmwareSelect,
    orderBy: { identification: 'asc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit).map(viewOf);
  return { firmwares: page, last: rows.length > query.limit ? page[page.length - 1].identification : undefined };
}

/** The firmware, or a 404 naming it. */
export async function firmwareByIdentification(prisma: PrismaClient, identification: string, field = 'path.firmwareIdentification'): Promise<FirmwareRow> {
  const row = await prisma.firmware.findUnique({ where: { identification }, select: firmwareSelect });
  if (!row) throw new DomainError('NOT_FOUND', 'FIRMWARE_NOT_FOUND', `Firmware ${identification} does not exist`, field);
  return row;
}
