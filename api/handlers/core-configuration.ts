// Core configuration management and the rest of Core device management (contracts/core-configuration.ts): device
// commands start a request through the core; the data operations call the core and answer at once.
import { ScheduleNotFoundError } from '@temporalio/client';
import { initServer } from '@ts-rest/express';
import type { DeviceRequestHeaders } from '../contracts/common';
import { coreConfigurationContract, type ScheduledTaskView } from '../contracts/core-configuration';
import type { DeviceFunction } from '../../core/authorization/device-functions';
import type { AuthenticatedOrganisation } from '../../core/organisations';
import { startDeviceOperation } from '../../core/requests/device-operations';
import type { RequestArgs } from '../../core/requests/start-request';
import type { WorkflowName } from '../../core/requests/workflow-types';
import { canonicalVerificationKey } from '../../core/configuration/verification-key';
import { findScheduledTasks, type LightingRunTimes, type ScheduledTask } from '../../core/configuration/scheduled-tasks';
import { DomainError } from '../../core/errors';
import { findAllOrganisations, findOrganisation } from '../../core/organisation-reads';
import { updateDeviceCdmaSettings } from '../../core/devices/device-network';
import { createLightingScheduleControl } from '../../core/lighting-schedules/temporal-schedules';
import type { DeviceConfiguration } from '../../common/device-configuration';
import { callerOf, type ApiDeps } from '../context';
import { accepted, requestOptionsFrom } from '../device-requests';
import { decodeTimedCursor, encodeCursor } from '../cursors';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';

const s = initServer();

/** The device commands of this contract: the OSGP device function each needs, and the workflow that carries it out. */
const deviceCommands = {
  getConfiguration: { functions: ['GET_CONFIGURATION'], workflow: 'getConfigurationWorkflow' },
  setConfiguration: { functions: ['SET_CONFIGURATION'], workflow: 'setConfigurationWorkflow' },
  switchConfiguration: { functions: ['SWITCH_CONFIGURATION_BANK'], workflow: 'switchConfigurationWorkflow' },
  setDeviceVerificationKey: { functions: ['SET_DEVICE_VERIFICATION_KEY'], workflow: 'setDeviceVerificationKeyWorkflow' },
  updateDeviceSslCertification: { functions: ['UPDATE_DEVICE_SSL_CERTIFICATION'], workflow: 'updateDeviceSslCertificationWorkflow' },
} as const satisfies Record<string, { functions: readonly [DeviceFunction]; workflow: WorkflowName }>;
type ConfigurationCommand = keyof typeof deviceCommands;

const scheduledTasksListing = 'scheduled-tasks';

function toScheduledTaskView(task: ScheduledTask): ScheduledTaskView {
  const { key: _key, scheduledTime, creationTime, ...rest } = task;
  return { ...rest, scheduledTime: scheduledTime.toISOString(), creationTime: creationTime.toISOString() };
}

export function coreConfigurationHandlers(deps: ApiDeps) {
  const { prisma, requests, logger } = deps;
  const control = createLightingScheduleControl(deps.temporal, requests.deviceRequestOptions);
  // Next runs of calendar entries come from Temporal: when it does not answer, the listing is unavailable (503).
  const lighting: LightingRunTimes = {
    async nextRunTimes(row, organisationIdentification, place, count) {
      try {
        return await control.nextRunTimes(row, organisationIdentification, place, count);
      } catch (error) {
        // A schedule whose Temporal Schedules are not there (being made or removed) has no runs to show.
        if (error instanceof ScheduleNotFoundError) return [];
        logger.error('findScheduledTasks: reading lighting schedule runs from Temporal failed', { schedule: row.identification, error });
        throw new DomainError('UNAVAILABLE', 'TEMPORAL_UNAVAILABLE', 'The runs of lighting schedules could not be read; repeat the call');
      }
    },
  };

  const start = async <K extends ConfigurationCommand>(
    operation: K,
    caller: AuthenticatedOrganisation,
    deviceIdentifications: string[],
    args: RequestArgs<(typeof deviceCommands)[K]['workflow']>,
    headers: DeviceRequestHeaders,
  ) =>
    accepted(
      startDeviceOperation(
        { prisma, requests },
        {
          domain: 'core',
          operation,
          functions: deviceCommands[operation].functions,
          workflow: deviceCommands[operation].workflow,
          // These are OSLP messages; no other protocol carries them.
          protocols: { only: ['OSLP'], refusalCode: 'NOT_AN_OSLP_DEVICE', kindOfDevice: 'OSLP devices' },
        },
        caller,
        deviceIdentifications,
        args,
        requestOptionsFrom(headers),
      ),
    );

  return s.router(coreConfigurationContract, {
    getConfiguration: async ({ body, headers, res }) => start('getConfiguration', callerOf(res), body.deviceIdentifications, {}, headers),

    setConfiguration: async ({ body, headers, res }) =>
      start('setConfiguration', callerOf(res), body.deviceIdentifications, { configuration: body.configuration satisfies DeviceConfiguration }, headers),

    switchConfiguration: async ({ body, headers, res }) =>
      start('switchConfiguration', callerOf(res), body.deviceIdentifications, { configurationBank: body.configurationBank }, headers),

    setDeviceVerificationKey: async ({ body, headers, res }) =>
      start(
        'setDeviceVerificationKey',
        callerOf(res),
        body.deviceIdentifications,
        { verificationKey: canonicalVerificationKey(body.verificationKey, 'body.verificationKey') },
        headers,
      ),

    updateDeviceSslCertification: async ({ body, headers, res }) =>
      start(
        'updateDeviceSslCertification',
        callerOf(res),
        body.deviceIdentifications,
        { certificateDomain: body.certification.certificateDomain, certificateUrl: body.certification.certificateUrl },
        headers,
      ),

    updateDeviceCdmaSettings: async ({ params, body, res }) => {
      const caller = callerOf(res);
      try {
        const settings = await updateDeviceCdmaSettings(prisma, caller, params.deviceIdentification, body);
        logger.info('device CDMA settings changed', { device: params.deviceIdentification, by: caller.identification });
        return { status: 200, body: settings };
      } catch (error) {
        if (isPrismaError(error, 'P2025')) throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${params.deviceIdentification} does not exist`);
        throw error;
      }
    },

    findScheduledTasks: async ({ query, res }) => {
      const caller = callerOf(res);
      const from = query.from !== undefined ? new Date(query.from) : undefined;
      const until = query.until !== undefined ? new Date(query.until) : undefined;
      if (from && until && from > until) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'query.from: must not be after query.until', 'query.from');
      }
      const after = query.after !== undefined ? decodeTimedCursor(scheduledTasksListing, query.after) : undefined;
      const found = await findScheduledTasks(prisma, lighting, caller, {
        deviceIdentification: query.deviceIdentification,
        kind: query.kind,
        from,
        until,
        limit: query.limit,
        after,
      });
      const nextCursor = found.nextCursor ? encodeCursor(scheduledTasksListing, found.nextCursor.key, found.nextCursor.at) : null;
      return { status: 200, body: { scheduledTasks: found.tasks.map(toScheduledTaskView), nextCursor } };
    },

    findOrganisation: async ({ params, res }) => ({
      status: 200,
      body: await findOrganisation(prisma, callerOf(res), params.organisationIdentification),
    }),

    findAllOrganisations: async ({ query, res }) => ({
      status: 200,
      body: await findAllOrganisations(prisma, callerOf(res), { limit: query.limit, after: query.after }),
    }),
  });
}
