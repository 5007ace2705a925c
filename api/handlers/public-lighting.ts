import { initServer } from '@ts-rest/express';
import type { DeviceCommand } from '../../common/device-commands';
import { publicLightingContract } from '../contracts/public-lighting';
import type { DeviceRequestHeaders } from '../contracts/common';
import type { DeviceFunction } from '../authorization';
import { callerOf, type ApiDeps } from '../context';
import { startDeviceOperation } from '../device-operations';
import { startGroupOperation } from '../group-operations';
import type { AuthenticatedOrganisation } from '../api-keys';

const s = initServer();

export function publicLightingHandlers(deps: ApiDeps) {
  /** Named devices: checked all at once, one workflow over them; a group: groupRequestWorkflow in batches. */
  const start = async <TArgs extends object>(
    operation: { operation: 'setLight' | 'getStatus'; fn: DeviceFunction; workflowType: string },
    caller: AuthenticatedOrganisation,
    target: { deviceIdentifications?: string[]; groupIdentification?: string },
    args: TArgs,
    command: DeviceCommand,
    headers: DeviceRequestHeaders,
  ) => {
    const domainOperation = { domain: 'publicLighting', ...operation };
    if (target.groupIdentification !== undefined) {
      return startGroupOperation(deps, domainOperation, caller, target.groupIdentification, command, headers);
    }
    return startDeviceOperation(deps, domainOperation, caller, target.deviceIdentifications ?? [], args, headers);
  };

  return s.router(publicLightingContract, {
    setLight: async ({ body, headers, res }) =>
      start(
        { operation: 'setLight', fn: 'SET_LIGHT', workflowType: 'setLightWorkflow' },
        callerOf(res),
        body,
        { lightValues: body.lightValues },
        { kind: 'setLight', lightValues: body.lightValues },
        headers,
      ),
    getStatus: async ({ body, headers, res }) =>
      start(
        { operation: 'getStatus', fn: 'GET_STATUS', workflowType: 'getStatusWorkflow' },
        callerOf(res),
        body,
        {},
        { kind: 'getStatus' },
        headers,
      ),
  });
}
