import { initServer } from '@ts-rest/express';
import { Prisma } from '../../generated/prisma/client';
import { adminContract } from '../contracts/admin';
import { issueApiKey } from '../api-keys';
import { authorizeDevices, requireAdmin, requireEnabled } from '../authorization';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';

const s = initServer();

export function adminHandlers({ prisma, logger }: ApiDeps) {
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
        return {
          status: 201,
          body: {
            organisation: {
              organisationIdentification: organisation.identification,
              name: organisation.name,
              platformFunctionGroup: organisation.platformFunctionGroup,
              enabled: organisation.enabled,
              createdAt: organisation.createdAt.toISOString(),
            },
            apiKey,
          },
        };
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new ApiError(409, 'ORGANISATION_EXISTS', `Organisation ${body.organisationIdentification} already exists`);
        }
        throw error;
      }
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
  });
}
