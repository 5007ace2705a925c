// Every asynchronous device operation starts the same way: the authorization gate on every device named
// (operational: activated, not in maintenance), then the request and its workflow. 202 with the correlation uid.
import type { AuthenticatedOrganisation } from './api-keys';
import { authorizeDevices, type DeviceFunction } from './authorization';
import type { ApiDeps } from './context';
import type { DeviceRequestHeaders } from './contracts/common';

export interface DeviceOperation {
  domain: string;
  operation: string;
  /** The device function the caller needs on every device. */
  fn: DeviceFunction;
  /** The exported name of the workflow that carries it out. */
  workflowType: string;
}

export async function startDeviceOperation<TArgs extends object>(
  { prisma, requests }: Pick<ApiDeps, 'prisma' | 'requests'>,
  operation: DeviceOperation,
  caller: AuthenticatedOrganisation,
  deviceIdentifications: string[],
  args: TArgs,
  headers: DeviceRequestHeaders,
) {
  const devices = await authorizeDevices(prisma, caller, deviceIdentifications, operation.fn);
  const accepted = await requests.start({
    organisation: caller,
    domain: operation.domain,
    operation: operation.operation,
    workflowType: operation.workflowType,
    devices,
    args,
    headers,
  });
  return { status: 202 as const, body: accepted };
}
