// Starting a request on a device group: the group must be the caller's (another organisation's is unknown)
// and the organisation enabled; the record counts the group's devices at the start, and groupRequestWorkflow
// pages the group and authorises each device itself (refused devices end NOT_OK with the reason). One
// function for the API and for anything else that starts a group request (resumeSchedule, scheduled runs).
import type { DeviceCommand } from '../common/device-commands';
import type { GroupRequestInput } from '../workflows/common/group-request';
import type { AuthenticatedOrganisation } from './api-keys';
import type { DeviceFunction } from './authorization';
import type { ApiDeps } from './context';
import type { DeviceRequestHeaders } from './contracts/common';
import { countGroupDevices, findOwnGroup, viewerOf } from './handlers/device-groups';

export interface GroupOperation {
  domain: string;
  operation: string;
  /** The device function the caller needs on each device of the group (checked per device as it runs). */
  fn: DeviceFunction;
}

export const groupRequestWorkflowType = 'groupRequestWorkflow';

export async function startGroupOperation(
  { prisma, requests }: Pick<ApiDeps, 'prisma' | 'requests'>,
  operation: GroupOperation,
  caller: AuthenticatedOrganisation,
  groupIdentification: string,
  command: DeviceCommand,
  headers: DeviceRequestHeaders,
) {
  const group = await findOwnGroup(prisma, caller, groupIdentification);
  const deviceCount = await countGroupDevices(prisma, group, viewerOf(caller));
  const args: Omit<GroupRequestInput, 'options'> = {
    organisationId: caller.id,
    deviceFunction: operation.fn,
    command,
    target: { groupId: group.id },
  };
  const accepted = await requests.start({
    organisation: caller,
    domain: operation.domain,
    operation: operation.operation,
    workflowType: groupRequestWorkflowType,
    devices: [],
    groupDeviceCount: deviceCount,
    args,
    headers,
  });
  return { status: 202 as const, body: accepted };
}
