import type { DeviceWithStateView } from '../../api/client';
import { call, type PlatformClient } from './api';

export type DeviceWithState = DeviceWithStateView;

/** Pages the map reads at most (1,000 devices each). */
const maxPages = 50;

/** Every device of the caller with its state (up to 50,000), for the map. */
export async function loadAllDeviceStates(client: PlatformClient): Promise<{ devices: DeviceWithState[]; truncated: boolean }> {
  const devices: DeviceWithState[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const body = await call(client.core.findDeviceStates({ query: { limit: 1000, ...(after ? { after } : {}) } }), 200);
    devices.push(...body.devices);
    if (!body.nextCursor) return { devices, truncated: false };
    after = body.nextCursor;
  }
  return { devices, truncated: true };
}
