// A device configuration (common/device-configuration.ts) <-> OSLP's SetConfigurationRequest and
// GetConfigurationResponse. Pure functions. OSLP knows two relay types: a TARIFF_REVERSED relay is a TARIFF relay
// to the device (the platform inverts its values), so it is sent as TARIFF and reads back as TARIFF.
import type { DeviceConfiguration, RelayLink } from '../../common/device-configuration';
import type { OslpConfiguration, RelayMatrix } from '../../adapters/oslp/messages';

/** The OSLP fields of a configuration change: only what is given goes on the wire. */
export function toOslpConfiguration(configuration: DeviceConfiguration): OslpConfiguration {
  const c = configuration;
  const oslp: OslpConfiguration = {};
  if (c.lightType !== undefined) oslp.lightType = c.lightType;
  if (c.daliConfiguration !== undefined) {
    oslp.daliConfiguration = {
      numberOfLights: c.daliConfiguration.numberOfLights,
      addressMap: c.daliConfiguration.indexAddressMap.map(({ index, address }) => ({ index, address, relayType: 'RT_NOT_SET' })),
    };
  }
  if (c.relayConfiguration !== undefined) {
    oslp.relayConfiguration = {
      addressMap: c.relayConfiguration.relayMap.map(({ index, address, relayType }) => ({
        index,
        address,
        relayType: relayType === 'LIGHT' ? 'LIGHT' : 'TARIFF',
      })),
    };
  }
  if (c.preferredLinkType !== undefined) oslp.preferredLinkType = c.preferredLinkType;
  if (c.timeSyncFrequency !== undefined) oslp.timeSyncFrequency = c.timeSyncFrequency;
  if (c.deviceFixedIp !== undefined) {
    oslp.deviceFixIpValue = ipv4ToOctets(c.deviceFixedIp.ipAddress);
    oslp.netMask = ipv4ToOctets(c.deviceFixedIp.netMask);
    oslp.gateWay = ipv4ToOctets(c.deviceFixedIp.gateWay);
  }
  if (c.dhcpEnabled !== undefined) oslp.isDhcpEnabled = c.dhcpEnabled;
  if (c.communicationTimeout !== undefined) oslp.communicationTimeout = c.communicationTimeout;
  if (c.communicationNumberOfRetries !== undefined) oslp.communicationNumberOfRetries = c.communicationNumberOfRetries;
  if (c.communicationPauseTimeBetweenConnectionTrials !== undefined) {
    oslp.communicationPauseTimeBetweenConnectionTrials = c.communicationPauseTimeBetweenConnectionTrials;
  }
  if (c.osgpIpAddress !== undefined) oslp.ospgIpAddress = ipv4ToOctets(c.osgpIpAddress);
  if (c.osgpPortNumber !== undefined) oslp.osgpPortNumber = c.osgpPortNumber;
  if (c.testButtonEnabled !== undefined) oslp.isTestButtonEnabled = c.testButtonEnabled;
  if (c.automaticSummerTimingEnabled !== undefined) oslp.isAutomaticSummerTimingEnabled = c.automaticSummerTimingEnabled;
  if (c.astroGateSunRiseOffset !== undefined) oslp.astroGateSunRiseOffset = c.astroGateSunRiseOffset;
  if (c.astroGateSunSetOffset !== undefined) oslp.astroGateSunSetOffset = c.astroGateSunSetOffset;
  if (c.switchingDelays !== undefined) oslp.switchingDelay = [...c.switchingDelays];
  if (c.relayLinking !== undefined) oslp.relayLinking = c.relayLinking.map(toRelayMatrix);
  if (c.relayRefreshing !== undefined) oslp.relayRefreshing = c.relayRefreshing;
  if (c.summerTimeDetails !== undefined) oslp.summerTimeDetails = c.summerTimeDetails;
  if (c.winterTimeDetails !== undefined) oslp.winterTimeDetails = c.winterTimeDetails;
  return oslp;
}

/** What a device reported, in the platform's terms; deprecated OSLP fields and unset enums are left out. */
export function fromOslpConfiguration(oslp: OslpConfiguration): DeviceConfiguration {
  const c: DeviceConfiguration = {};
  if (oslp.lightType !== undefined && oslp.lightType !== 'LT_NOT_SET') c.lightType = oslp.lightType;
  if (oslp.daliConfiguration !== undefined) {
    c.daliConfiguration = {
      numberOfLights: oslp.daliConfiguration.numberOfLights ?? oslp.daliConfiguration.addressMap.length,
      indexAddressMap: oslp.daliConfiguration.addressMap.map(({ index, address }) => ({ index, address })),
    };
  }
  if (oslp.relayConfiguration !== undefined) {
    c.relayConfiguration = {
      relayMap: oslp.relayConfiguration.addressMap.map(({ index, address, relayType }) => ({
        index,
        address,
        relayType: relayType === 'TARIFF' ? 'TARIFF' : 'LIGHT',
      })),
    };
  }
  if (oslp.preferredLinkType !== undefined && oslp.preferredLinkType !== 'LINK_NOT_SET') c.preferredLinkType = oslp.preferredLinkType;
  if (oslp.timeSyncFrequency !== undefined) c.timeSyncFrequency = oslp.timeSyncFrequency;
  if (oslp.deviceFixIpValue !== undefined || oslp.netMask !== undefined || oslp.gateWay !== undefined) {
    c.deviceFixedIp = {
      ipAddress: octetsToIpv4(oslp.deviceFixIpValue),
      netMask: octetsToIpv4(oslp.netMask),
      gateWay: octetsToIpv4(oslp.gateWay),
    };
  }
  if (oslp.isDhcpEnabled !== undefined) c.dhcpEnabled = oslp.isDhcpEnabled;
  if (oslp.communicationTimeout !== undefined) c.communicationTimeout = oslp.communicationTimeout;
  if (oslp.communicationNumberOfRetries !== undefined) c.communicationNumberOfRetries = oslp.communicationNumberOfRetries;
  if (oslp.communicationPauseTimeBetweenConnectionTrials !== undefined) {
    c.communicationPauseTimeBetweenConnectionTrials = oslp.communicationPauseTimeBetweenConnectionTrials;
  }
  if (oslp.ospgIpAddress !== undefined) c.osgpIpAddress = octetsToIpv4(oslp.ospgIpAddress);
  if (oslp.osgpPortNumber !== undefined) c.osgpPortNumber = oslp.osgpPortNumber;
  if (oslp.isTestButtonEnabled !== undefined) c.testButtonEnabled = oslp.isTestButtonEnabled;
  if (oslp.isAutomaticSummerTimingEnabled !== undefined) c.automaticSummerTimingEnabled = oslp.isAutomaticSummerTimingEnabled;
  if (oslp.astroGateSunRiseOffset !== undefined) c.astroGateSunRiseOffset = oslp.astroGateSunRiseOffset;
  if (oslp.astroGateSunSetOffset !== undefined) c.astroGateSunSetOffset = oslp.astroGateSunSetOffset;
  if (oslp.switchingDelay !== undefined && oslp.switchingDelay.length > 0) c.switchingDelays = [...oslp.switchingDelay];
  if (oslp.relayLinking !== undefined && oslp.relayLinking.length > 0) c.relayLinking = oslp.relayLinking.map(fromRelayMatrix);
  if (oslp.relayRefreshing !== undefined) c.relayRefreshing = oslp.relayRefreshing;
  if (oslp.summerTimeDetails !== undefined) c.summerTimeDetails = oslp.summerTimeDetails;
  if (oslp.winterTimeDetails !== undefined) c.winterTimeDetails = oslp.winterTimeDetails;
  return c;
}

function toRelayMatrix(link: RelayLink): RelayMatrix {
  return {
    masterRelayIndex: link.masterRelayIndex,
    masterRelayOn: link.masterRelayOn,
    ...(link.indicesOfControlledRelaysOn.length > 0 ? { indicesOfControlledRelaysOn: Buffer.from(link.indicesOfControlledRelaysOn) } : {}),
    ...(link.indicesOfControlledRelaysOff.length > 0 ? { indicesOfControlledRelaysOff: Buffer.from(link.indicesOfControlledRelaysOff) } : {}),
  };
}

function fromRelayMatrix(matrix: RelayMatrix): RelayLink {
  return {
    masterRelayIndex: matrix.masterRelayIndex,
    masterRelayOn: matrix.masterRelayOn,
    indicesOfControlledRelaysOn: [...(matrix.indicesOfControlledRelaysOn ?? [])],
    indicesOfControlledRelaysOff: [...(matrix.indicesOfControlledRelaysOff ?? [])],
  };
}

/** Dotted IPv4 -> OSLP's 4 octets (the API validated the text). */
export function ipv4ToOctets(address: string): Buffer {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new RangeError(`not an IPv4 address: ${address}`);
  }
  return Buffer.from(octets);
}

/** OSLP's 4 octets -> dotted IPv4; absent or short values read as 0.0.0.0 (what a device without one reports). */
export function octetsToIpv4(octets: Buffer | undefined): string {
  if (!octets || octets.length !== 4) return '0.0.0.0';
  return [...octets].join('.');
}
