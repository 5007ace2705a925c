// The states a device can be in as far as the platform knows (beyond OSGP; core/devices/device-states.ts
// derives them): one list for the API's enum, the core and the console's map colours.
export const deviceStates = ['ON', 'OFF', 'FAILED', 'COMMUNICATION_LOST', 'IN_MAINTENANCE', 'UNKNOWN'] as const;
export type DeviceState = (typeof deviceStates)[number];
