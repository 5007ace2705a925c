// A switching device's configuration as the platform speaks of it (OSGP's CoreConfigurationManagement
// Configuration type, lowerCamelCase), between the API, the workflows and the protocol adapters. Every field is
// optional: a device keeps what a setConfiguration leaves out, and reports what it has. Free of I/O (workflows use it).

export const configurationLightTypes = ['RELAY', 'ONE_TO_TEN_VOLT', 'ONE_TO_TEN_VOLT_REVERSE', 'DALI'] as const;
export type ConfigurationLightType = (typeof configurationLightTypes)[number];

export const configurationLinkTypes = ['GPRS', 'CDMA', 'ETHERNET'] as const;
export type ConfigurationLinkType = (typeof configurationLinkTypes)[number];

/** As the platform's relays: TARIFF_REVERSED is a TARIFF relay to the device, switched the other way by the platform. */
export const configurationRelayTypes = ['LIGHT', 'TARIFF', 'TARIFF_REVERSED'] as const;
export type ConfigurationRelayType = (typeof configurationRelayTypes)[number];

/** A DALI light's external index (1..4) and its DALI address (1..255). */
export interface DaliIndexAddress {
  index: number;
  address: number;
}

/** An output's external index (1..6, as setLight names it), the internal address switched, and what it switches. */
export interface RelayMap {
  index: number;
  address: number;
  relayType: ConfigurationRelayType;
}

/** When the master relay switches to masterRelayOn, these relays (1..4) switch on or off with it. */
export interface RelayLink {
  masterRelayIndex: number;
  masterRelayOn: boolean;
  indicesOfControlledRelaysOn: number[];
  indicesOfControlledRelaysOff: number[];
}

export interface DeviceFixedIp {
  ipAddress: string;
  netMask: string;
  gateWay: string;
}

export interface DeviceConfiguration {
  lightType?: ConfigurationLightType;
  daliConfiguration?: { numberOfLights: number; indexAddressMap: DaliIndexAddress[] };
  relayConfiguration?: { relayMap: RelayMap[] };
  preferredLinkType?: ConfigurationLinkType;
  /** Seconds between the device's time synchronisations. */
  timeSyncFrequency?: number;
  /** The device's fixed address, used when DHCP is off. */
  deviceFixedIp?: DeviceFixedIp;
  dhcpEnabled?: boolean;
  /** Seconds. */
  communicationTimeout?: number;
  communicationNumberOfRetries?: number;
  /** Seconds. */
  communicationPauseTimeBetweenConnectionTrials?: number;
  /** Where the device reaches the platform (its listener). */
  osgpIpAddress?: string;
  osgpPortNumber?: number;
  testButtonEnabled?: boolean;
  automaticSummerTimingEnabled?: boolean;
  /** Seconds the device moves its computed sunrise / sunset (negative = earlier). */
  astroGateSunRiseOffset?: number;
  astroGateSunSetOffset?: number;
  /** Seconds, one per output group, at most 4. */
  switchingDelays?: number[];
  relayLinking?: RelayLink[];
  relayRefreshing?: boolean;
  /** "MMWHHmi": month, week day (0 = Monday .. 6 = Sunday), hour and minute of the change to summer time. */
  summerTimeDetails?: string;
  /** "MMWHHmi" of the change back to winter time. */
  winterTimeDetails?: string;
}

/** MMWHHmi: month 01-12, week day 0-6, hour 00-23, minute 00-59. */
export const timeDetailsPattern = /^(0[1-9]|1[0-2])[0-6]([01]\d|2[0-3])[0-5]\d$/;

/** What the device has after it accepted `change` on top of `known` (a device keeps what a change leaves out). */
export function mergeConfiguration(known: DeviceConfiguration | null, change: DeviceConfiguration): DeviceConfiguration {
  const merged: DeviceConfiguration = { ...(known ?? {}) };
  for (const [key, value] of Object.entries(change) as Array<[keyof DeviceConfiguration, unknown]>) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
