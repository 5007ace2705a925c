import { initServer } from '@ts-rest/express';
import type { DeviceCommand } from '../../common/device-commands';
import type { DeviceFunction } from '../../core/authorization/device-functions';
import type { AuthenticatedOrganisation } from '../../core/organisations';
import { startDeviceOperation, startGroupOperation } from '../../core/requests/device-operations';
import type { RequestArgs } from '../../core/requests/start-request';
import { publicLightingContract } from '../contracts/public-lighting';
import type { DeviceRequestHeaders } from '../contracts/common';
import { callerOf, type ApiDeps } from '../context';
import { accepted, requestOptionsFrom } from '../device-requests';

const s = initServer();

export function publicLightingHandlers(deps: ApiDeps) {
  /** Named devices: checked all at once, one workflow over them; a group: groupRequestWorkflow in batches. */
  const start = async <W extends 'setLightWorkflow' | 'getStatusWorkflow'>(
    operation: { operation: 'setLight' | 'getStatus'; fn: DeviceFunction; workflow: W },
    caller: AuthenticatedOrganisation,
    target: { deviceIdentifications?: string[]; groupIdentification?: string },
    args: RequestArgs<W>,
    command: DeviceCommand,
    headers: DeviceRequestHeaders,
  ) => {
    const options = requestOptionsFrom(headers);
    const { fn, workflow } = operation;
    if (target.groupIdentification !== undefined) {
      return accepted(
        startGroupOperation(deps, { domain: 'publicLighting', operation: operation.operation, fn }, caller, target.groupIdentification, command, options),
      );
    }
    return accepted(
      startDeviceOperation(
        deps,
        { domain: 'publicLighting', operation: operation.operation, functions: [fn], workflow },
        caller,
        target.deviceIdentifications ?? [],
        args,
        options,
      ),
    );
  };

  return s.router(publicLightingContract, {
    setLight: async ({ body, headers, res }) =>
      start(
        { operation: 'setLight', fn: 'SET_LIGHT', workflow: 'setLightWorkflow' },
        callerOf(res),
        body,
        { lightValues: body.lightValues },
        { kind: 'setLight', lightValues: body.lightValues },
        headers,
      ),
    getStatus: async ({ body, headers, res }) =>
      start(
        { operation: 'getStatus', fn: 'GET_STATUS', workflow: 'getStatusWorkflow' },
        callerOf(res),
        body,
        {},
        { kind: 'getStatus' },
        headers,
      ),
  });
}
