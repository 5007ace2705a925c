// Admin handlers. Who may call what (as in OSGP, the Admin service is for ADMIN organisations):
// - ADMIN only: organisations (create, change, activate, remove, find), setOwner, findDevicesWhichHaveNoOwner,
//   removeDevice, getProtocolInfos, updateDeviceProtocol.
// - a device's owner or ADMIN: findDeviceAuthorisations, updateDeviceAuthorisations, updateKey, revokeKey
//   (the UPDATE_AUTHORISATIONS and UPDATE_KEY device functions, which only the OWNER group allows).
// - any enabled organisation: findMessageLogs of devices it holds FIND_MESSAGE_LOGS on (ADMIN: all), and its
//   own API keys (ADMIN: any organisation's).
import { initServer } from '@ts-rest/express';
import { protocolRegistry } from '../../core/protocols';
import type { PrismaClient } from '../../db/client';
import { adminContract, type ApiKeyView, type OrganisationView, type ProtocolInfo } from '../contracts/admin';
import { issueApiKey, issueApiKeyRecord, listApiKeys, revokeApiKey, type ApiKeyRecord } from '../api-keys';
import { type AuthenticatedOrganisation, requireAdmin, requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';
import { assertP256PublicKey } from '../public-keys';
import { toDeviceView } from './core';

const s = initServer();

/** The protocols the platform speaks (the protocol registry): each has an adapter listening on its task queue. */
export function protocolInfos(): ProtocolInfo[] {
  return protocolRegistry.map((p) => ({ protocol: p.name, protocolVersion: p.version, taskQueue: p.taskQueue }));
}

const withOwner = { owner: { select: { identification: true } } } as const;

export function adminHandlers({ prisma, logger }: ApiDeps) {
  const organisationOr404 = async (identification: string) => {
    const organisation = await prisma.organisation.findUnique({ where: { identification } });
    if (!organisation) throw new ApiError(404, 'ORGANISATION_NOT_FOUND', `Organisation ${identification} does not exist`);
    return organisation;
  };
  const deviceOr404 = async (identification: string) => {
    const device = await prisma.device.findUnique({ where: { identification }, select: { id: true } });
    if (!device) throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${identification} does not exist`);
    return device;
  };
  /** The organisation whose API keys are meant: the caller's own, or, for ADMIN only, another one. */
  const keyOwner = async (caller: AuthenticatedOrganisation, identification: string | undefined) => {
    requireEnabled(caller);
    if (identification === undefined || identification === caller.identification) return caller;
    requireAdmin(caller);
    return organisationOr404(identification);
  };

  return s.router(adminContract, {
    createOrganisation: async ({ body, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      try {
        const organisation = await prisma.organisation.create({
          data: {
            identification: body.organisationIdentification,
            name: body.name,
            platformFunctionGroup: body.platformFunctionGroup,
          },
        });
        const apiKey = await issueApiKey(prisma, organisation.id, 'initial key');
        logger.info('organisation created', { organisation: organisation.identification, by: caller.identification });
        return { status: 201, body: { organisation: toOrganisationView(organisation), apiKey } };
      } catch (error) {
        if (isPrismaError(error, 'P2002')) {
          throw new ApiError(409, 'ORGANISATION_EXISTS', `Organisation ${body.organisationIdentification} already exists`);
        }
        throw error;
      }
    },

    findAllOrganisations: async ({ query, res }) => {
      requireAdmin(callerOf(res));
      const page = await prisma.organisation.findMany({
        where: query.after ? { identification: { gt: query.after } } : {},
        orderBy: { identification: 'asc' },
        take: query.limit + 1,
      });
      const { items, nextCursor } = pageOf(page, query.limit, (o) => o.identification);
      return { status: 200, body: { organisations: items.map(toOrganisationView), nextCursor } };
    },

    findOrganisation: async ({ params, res }) => {
      requireAdmin(callerOf(res));
      return { status: 200, body: toOrganisationView(await organisationOr404(params.organisationIdentification)) };
    },

    changeOrganisation: async ({ params, body, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      const organisation = await organisationOr404(params.organisationIdentification);
      // An ADMIN organisation demoting itself could leave the platform without anyone to manage it.
      if (organisation.id === caller.id && body.platformFunctionGroup !== 'ADMIN') {
        throw new ApiError(409, 'OWN_ORGANISATION', 'An ADMIN organisation cannot take its own ADMIN function group away');
      }
      const changed = await prisma.organisation.update({
        where: { id: organisation.id },
        data: { name: body.name, platformFunctionGroup: body.platformFunctionGroup },
      });
      logger.info('organisation changed', { organisation: changed.identification, by: caller.identification });
      return { status: 200, body: toOrganisationView(changed) };
    },

    activateOrganisation: async ({ params, body, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      const organisation = await organisationOr404(params.organisationIdentification);
      if (organisation.id === caller.id && !body.enabled) {
        throw new ApiError(409, 'OWN_ORGANISATION', 'An organisation cannot disable itself');
      }
      const changed = await prisma.organisation.update({ where: { id: organisation.id }, data: { enabled: body.enabled } });
      logger.info(body.enabled ? 'organisation enabled' : 'organisation disabled', {
        organisation: changed.identification,
        by: caller.identification,
      });
      return { status: 200, body: toOrganisationView(changed) };
    },

    removeOrganisation: async ({ params, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      const organisation = await organisationOr404(params.organisationIdentification);
      if (organisation.id === caller.id) {
        throw new ApiError(409, 'OWN_ORGANISATION', 'An organisation cannot remove itself');
      }
      const outcome = await removeOrganisation(prisma, organisation.id, organisation.identification);
      logger.info('organisation removed', { organisation: organisation.identification, outcome, by: caller.identification });
      const message =
        outcome === 'DELETED'
          ? `Organisation ${organisation.identification} is deleted`
          : `Organisation ${organisation.identification} made requests, whose records name it: it is kept disabled, without API keys or device authorisations`;
      return { status: 200, body: { organisationIdentification: organisation.identification, outcome, message } };
    },

    findDevicesWhichHaveNoOwner: async ({ query, res }) => {
      requireAdmin(callerOf(res));
      const page = await prisma.device.findMany({
        where: { ownerId: null, ...(query.after ? { identification: { gt: query.after } } : {}) },
        orderBy: { identification: 'asc' },
        take: query.limit + 1,
        include: withOwner,
      });
      const { items, nextCursor } = pageOf(page, query.limit, (d) => d.identification);
      return { status: 200, body: { devices: items.map(toDeviceView), nextCursor } };
    },

    setOwner: async ({ params, body, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      const [device, organisation] = await Promise.all([
        deviceOr404(params.deviceIdentification),
        organisationOr404(body.organisationIdentification),
      ]);
      const owner = { deviceId: device.id, organisationId: organisation.id, functionGroup: 'OWNER' as const };
      // A device has one owner: the OWNER authorisation follows Device.ownerId.
      const [, , changed] = await prisma.$transaction([
        prisma.deviceAuthorization.deleteMany({
          where: { deviceId: device.id, functionGroup: 'OWNER', organisationId: { not: organisation.id } },
        }),
        prisma.deviceAuthorization.upsert({
          where: { deviceId_organisationId_functionGroup: owner },
          create: owner,
          update: {},
        }),
        prisma.device.update({ where: { id: device.id }, data: { ownerId: organisation.id }, include: withOwner }),
      ]);
      logger.info('device owner set', { device: changed.identification, owner: organisation.identification, by: caller.identification });
      return { status: 200, body: toDeviceView(changed) };
    },

    removeDevice: async ({ params, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      // Authorisations go with the device (cascade); request results and message logs name the device by its
      // identification and stay.
      try {
        await prisma.device.delete({ where: { identification: params.deviceIdentification } });
      } catch (error) {
        if (isPrismaError(error, 'P2025')) {
          throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${params.deviceIdentification} does not exist`);
        }
        if (isPrismaError(error, 'P2003')) {
          throw new ApiError(409, 'DEVICE_IN_USE', `Device ${params.deviceIdentification} is still referred to and cannot be removed`);
        }
        throw error;
      }
      logger.info('device removed', { device: params.deviceIdentification, by: caller.identification });
      return { status: 204, body: undefined };
    },

    findDeviceAuthorisations: async ({ params, res }) => {
      const caller = callerOf(res);
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'UPDATE_AUTHORISATIONS', { operational: false });
      const rows = await prisma.deviceAuthorization.findMany({
        where: { device: { identification: params.deviceIdentification } },
        include: { organisation: { select: { identification: true } } },
      });
      const authorisations = rows
        .map((row) => ({
          organisationIdentification: row.organisation.identification,
          functionGroup: row.functionGroup,
          createdAt: row.createdAt.toISOString(),
        }))
        .sort(
          (a, b) =>
            a.organisationIdentification.localeCompare(b.organisationIdentification) ||
            a.functionGroup.localeCompare(b.functionGroup),
        );
      return { status: 200, body: { deviceIdentification: params.deviceIdentification, authorisations } };
    },

    updateDeviceAuthorisations: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const deviceIds = [...new Set(body.authorisations.map((a) => a.deviceIdentification))];
      // Granting rights on a device is the owner's (or an ADMIN's), also while it is inactive or in maintenance.
      await authorizeDevices(prisma, caller, deviceIds, 'UPDATE_AUTHORISATIONS', { operational: false });
      const organisationIds = [...new Set(body.authorisations.map((a) => a.organisationIdentification))];
      const [devices, organisations] = await Promise.all([
        prisma.device.findMany({ where: { identification: { in: deviceIds } }, select: { id: true, identification: true } }),
        prisma.organisation.findMany({
          where: { identification: { in: organisationIds } },
          select: { id: true, identification: true },
        }),
      ]);
      const deviceId = new Map(devices.map((d) => [d.identification, d.id]));
      const organisationId = new Map(organisations.map((o) => [o.identification, o.id]));
      for (const id of organisationIds) {
        if (!organisationId.has(id)) throw new ApiError(404, 'ORGANISATION_NOT_FOUND', `Organisation ${id} does not exist`);
      }
      await prisma.$transaction(
        body.authorisations.map((a) => {
          const key = {
            deviceId: deviceId.get(a.deviceIdentification)!,
            organisationId: organisationId.get(a.organisationIdentification)!,
            functionGroup: a.functionGroup,
          };
          return a.revoke
            ? prisma.deviceAuthorization.deleteMany({ where: key })
            : prisma.deviceAuthorization.upsert({
                where: { deviceId_organisationId_functionGroup: key },
                create: key,
                update: {},
              });
        }),
      );
      logger.info('device authorisations updated', { by: caller.identification, count: body.authorisations.length });
      return { status: 200, body: { updated: body.authorisations.length } };
    },

    updateKey: async ({ params, body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      assertP256PublicKey(body.publicKey, 'body.publicKey');
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'UPDATE_KEY', { operational: false });
      await prisma.device.update({ where: { identification: params.deviceIdentification }, data: { publicKey: body.publicKey } });
      logger.info('device key updated', { device: params.deviceIdentification, by: caller.identification });
      return { status: 204, body: undefined };
    },

    revokeKey: async ({ params, res }) => {
      const caller = callerOf(res);
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'UPDATE_KEY', { operational: false });
      // Without a key the listener cannot verify the device's messages and the adapter refuses to send it any
      // (DEVICE_NOT_REACHABLE_CONFIG), until updateKey sets a new one.
      await prisma.device.update({ where: { identification: params.deviceIdentification }, data: { publicKey: null } });
      logger.info('device key revoked', { device: params.deviceIdentification, by: caller.identification });
      return { status: 204, body: undefined };
    },

    getProtocolInfos: async ({ res }) => {
      requireAdmin(callerOf(res));
      return { status: 200, body: { protocolInfos: protocolInfos() } };
    },

    updateDeviceProtocol: async ({ params, body, res }) => {
      const caller = callerOf(res);
      requireAdmin(caller);
      // The protocol itself is one of the registry's (the contract's enum); its version must be the one spoken.
      const spoken = protocolInfos().find((p) => p.protocol === body.protocol);
      if (spoken?.protocolVersion !== body.protocolVersion) {
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `body.protocolVersion: ${body.protocol} ${body.protocolVersion} is not spoken; known: ${spoken?.protocolVersion}`,
          'body.protocolVersion',
        );
      }
      await deviceOr404(params.deviceIdentification);
      const changed = await prisma.device.update({
        where: { identification: params.deviceIdentification },
        data: { protocol: body.protocol },
        include: withOwner,
      });
      logger.info('device protocol updated', { device: changed.identification, protocol: body.protocol, by: caller.identification });
      return { status: 200, body: toDeviceView(changed) };
    },

    findMessageLogs: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      // ADMIN reads every log, also of devices removed since (logs name the device, they outlive it).
      if (caller.platformFunctionGroup !== 'ADMIN') {
        if (!query.deviceIdentification) {
          throw new ApiError(
            400,
            'VALIDATION_FAILED',
            'query.deviceIdentification: required for an organisation that is not ADMIN',
            'query.deviceIdentification',
          );
        }
        await authorizeDevices(prisma, caller, [query.deviceIdentification], 'FIND_MESSAGE_LOGS', { operational: false });
      }
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      if (from && to && from >= to) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'query.to: must be later than query.from', 'query.to');
      }
      const page = await prisma.deviceMessageLog.findMany({
        where: {
          deviceIdentification: query.deviceIdentification,
          correlationUid: query.correlationUid,
          ...(from || to ? { createdAt: { gte: from, lt: to } } : {}),
          ...(query.after ? { id: { lt: BigInt(query.after) } } : {}),
        },
        orderBy: { id: 'desc' },
        take: query.limit + 1,
      });
      const { items, nextCursor } = pageOf(page, query.limit, (l) => l.id.toString());
      return {
        status: 200,
        body: {
          messageLogs: items.map((l) => ({
            id: l.id.toString(),
            deviceIdentification: l.deviceIdentification,
            correlationUid: l.correlationUid,
            direction: l.direction,
            messageType: l.messageType,
            sequenceNumber: l.sequenceNumber,
            result: l.result,
            summary: l.summary,
            createdAt: l.createdAt.toISOString(),
          })),
          nextCursor,
        },
      };
    },

    createApiKey: async ({ body, res }) => {
      const caller = callerOf(res);
      const owner = await keyOwner(caller, body.organisationIdentification);
      const { apiKey, record } = await issueApiKeyRecord(prisma, owner.id, body.label);
      logger.info('api key issued', { organisation: record.organisationIdentification, key: record.id, by: caller.identification });
      return { status: 201, body: { ...toApiKeyView(record), apiKey } };
    },

    findApiKeys: async ({ query, res }) => {
      const owner = await keyOwner(callerOf(res), query.organisationIdentification);
      const keys = await listApiKeys(prisma, owner.id);
      return { status: 200, body: { apiKeys: keys.map(toApiKeyView) } };
    },

    revokeApiKey: async ({ params, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      // Another organisation's key is reported as unknown to a non-ADMIN: its existence is not its business.
      const record = await revokeApiKey(prisma, params.apiKeyId, caller.platformFunctionGroup === 'ADMIN' ? undefined : caller.id);
      if (!record) throw new ApiError(404, 'API_KEY_NOT_FOUND', `No API key ${params.apiKeyId}`);
      logger.info('api key revoked', { organisation: record.organisationIdentification, key: record.id, by: caller.identification });
      return { status: 200, body: toApiKeyView(record) };
    },
  });
}

/**
 * Removing an organisation (the caller checked it is not itself). While it owns devices it is refused: they
 * need another owner (setOwner) or removing (removeDevice) first, so no device is left ownerless by
 * accident. Its request records are history that names it (and RequestRecord refers to it with RESTRICT),
 * so an organisation that made requests is not deleted but retired: disabled, every API key revoked and its
 * device authorisations removed; its identification stays taken, so that history keeps meaning what it
 * said, and an ADMIN can still read it. Without requests it is deleted, its keys and authorisations with it.
 */
async function removeOrganisation(
  prisma: PrismaClient,
  organisationId: string,
  identification: string,
): Promise<'DELETED' | 'RETIRED'> {
  const [ownedDevices, requests] = await Promise.all([
    prisma.device.count({ where: { ownerId: organisationId } }),
    prisma.requestRecord.count({ where: { organisationId } }),
  ]);
  if (ownedDevices > 0) {
    throw new ApiError(
      409,
      'ORGANISATION_OWNS_DEVICES',
      `Organisation ${identification} still owns ${ownedDevices} device(s): give them another owner (admin.setOwner) or remove them (admin.removeDevice) first`,
    );
  }
  if (requests === 0) {
    try {
      await prisma.organisation.delete({ where: { id: organisationId } });
      return 'DELETED';
    } catch (error) {
      // A request recorded in the meantime: retire instead.
      if (!isPrismaError(error, 'P2003')) throw error;
    }
  }
  await prisma.$transaction([
    prisma.organisation.update({ where: { id: organisationId }, data: { enabled: false } }),
    prisma.deviceAuthorization.deleteMany({ where: { organisationId } }),
    prisma.apiKey.updateMany({ where: { organisationId, revokedAt: null }, data: { revokedAt: new Date() } }),
  ]);
  return 'RETIRED';
}

function toOrganisationView(organisation: {
  identification: string;
  name: string;
  platformFunctionGroup: 'ADMIN' | 'USER';
  enabled: boolean;
  createdAt: Date;
}): OrganisationView {
  return {
    organisationIdentification: organisation.identification,
    name: organisation.name,
    platformFunctionGroup: organisation.platformFunctionGroup,
    enabled: organisation.enabled,
    createdAt: organisation.createdAt.toISOString(),
  };
}

function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    label: record.label,
    organisationIdentification: record.organisationIdentification,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

/** Cuts a page read with `take: limit + 1`; the cursor is the last item's key when there is more. */
function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? keyOf(items[items.length - 1]) : null };
}

