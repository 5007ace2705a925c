// Configuration, verification key and certificate commands <-> OSLP messages, through the protobuf codec as
// they travel: OSGP's field numbers (checked on the bytes), the platform's names both ways, and the simulator
// keeping a configuration so that a set then a get returns what was set.
import { generateKeyPairSync } from 'node:crypto';
import protobuf from 'protobufjs';
import path from 'node:path';
import type { DeviceCommand } from '../../../common/device-commands';
import type { DeviceConfiguration } from '../../../common/device-configuration';
import { mergeConfiguration } from '../../../common/device-configuration';
import { decodeMessage, encodeMessage, type OslpMessage } from '../../../adapters/oslp/messages';
import { fromOslpResponse, summarize, toOslpRequest } from '../../../activities/oslp/translate';
import { fromOslpConfiguration, ipv4ToOctets, octetsToIpv4, toOslpConfiguration } from '../../../activities/oslp/translate-configuration';

const overTheWire = (message: OslpMessage): OslpMessage => decodeMessage(encodeMessage(message));

const full: DeviceConfiguration = {
  lightType: 'DALI',
  daliConfiguration: { numberOfLights: 2, indexAddressMap: [{ index: 1, address: 17 }, { index: 2, address: 18 }] },
  relayConfiguration: {
    relayMap: [
      { index: 1, address: 1, relayType: 'LIGHT' },
      { index: 2, address: 3, relayType: 'TARIFF' },
    ],
  },
  preferredLinkType: 'GPRS',
  timeSyncFrequency: 3600,
  deviceFixedIp: { ipAddress: '10.1.2.3', netMask: '255.255.255.0', gateWay: '10.1.2.1' },
  dhcpEnabled: false,
  communicationTimeout: 30,
  communicationNumberOfRetries: 5,
  communicationPauseTimeBetweenConnectionTrials: 120,
  osgpIpAddress: '192.168.0.10',
  osgpPortNumber: 12122,
  testButtonEnabled: false,
  automaticSummerTimingEnabled: true,
  astroGateSunRiseOffset: -900,
  astroGateSunSetOffset: 600,
  switchingDelays: [0, 5, 10, 15],
  relayLinking: [{ masterRelayIndex: 1, masterRelayOn: true, indicesOfControlledRelaysOn: [2, 3], indicesOfControlledRelaysOff: [4] }],
  relayRefreshing: false,
  summerTimeDetails: '0360200',
  winterTimeDetails: '1060300',
};

describe('setConfiguration', () => {
  test('every field goes on the wire and reads back the same through a GetConfigurationResponse', () => {
    const request = overTheWire(toOslpRequest({ kind: 'setConfiguration', configuration: full }));
    const sent = request.setConfigurationRequest;
    expect(sent).toBeDefined();
    const answer = overTheWire({ getConfigurationResponse: { status: 'OK', ...sent } });
    const { status, response } = fromOslpResponse({ kind: 'getConfiguration' }, answer);
    expect(status).toBe('OK');
    expect(response).toEqual({ kind: 'getConfiguration', configuration: full });
  });

  test("uses OSGP's field numbers: setConfiguration 25 with lightType 1 and astroGateSunSetOffset 22; getConfiguration 36 with lightType 2", () => {
    const root = protobuf.loadSync(path.join(__dirname, '../../../adapters/oslp/oslp.proto'));
    const fields = (type: string) => Object.fromEntries(root.lookupType(type).fieldsArray.map((f) => [f.name, f.id]));
    expect(fields('oslp.Message')).toMatchObject({
      setConfigurationRequest: 25,
      getConfigurationRequest: 35,
      getConfigurationResponse: 36,
      updateDeviceSslCertificationRequest: 39,
      setDeviceVerificationKeyRequest: 41,
      switchConfigurationRequest: 45,
      switchConfigurationResponse: 46,
    });
    expect(fields('oslp.SetConfigurationRequest')).toMatchObject({ lightType: 1, timeSyncFrequency: 9, ospgIpAddress: 17, relayLinking: 24, winterTimeDetails: 27 });
    expect(fields('oslp.GetConfigurationResponse')).toMatchObject({ status: 1, lightType: 2, timeSyncFrequency: 10, relayLinking: 25, winterTimeDetails: 28 });
    // Field 1 (lightType) of message 25: tag bytes 0xca 0x01 (25 << 3 | 2), then the length, then 0x08 (1 << 3 | 0) and RELAY = 1.
    expect(encodeMessage({ setConfigurationRequest: { lightType: 'RELAY' } }).toString('hex')).toBe('ca01020801');
  });

  test('only the fields given are sent, so the device keeps the others', () => {
    const request = toOslpRequest({ kind: 'setConfiguration', configuration: { timeSyncFrequency: 600 } });
    expect(request).toEqual({ setConfigurationRequest: { timeSyncFrequency: 600 } });
    expect(summarize(request)).toBe('setConfiguration timeSyncFrequency');
  });

  test('a TARIFF_REVERSED relay is a TARIFF relay to the device', () => {
    const request = toOslpRequest({
      kind: 'setConfiguration',
      configuration: { relayConfiguration: { relayMap: [{ index: 3, address: 3, relayType: 'TARIFF_REVERSED' }] } },
    });
    expect(request.setConfigurationRequest?.relayConfiguration?.addressMap).toEqual([{ index: 3, address: 3, relayType: 'TARIFF' }]);
  });
});

describe('getConfiguration', () => {
  test('deprecated fields and unset enums are left out of what the platform shows', () => {
    const answer = overTheWire({
      getConfigurationResponse: { status: 'OK', lightType: 'LT_NOT_SET', meterType: 'P1', shortTermHistoryIntervalMinutes: 15, preferredLinkType: 'LINK_NOT_SET', isDhcpEnabled: true },
    });
    const { status: _status, ...reported } = answer.getConfigurationResponse ?? { status: 'OK' as const };
    expect(fromOslpConfiguration(reported)).toEqual({ dhcpEnabled: true });
  });

  test('a refusal carries the status', () => {
    expect(fromOslpResponse({ kind: 'getConfiguration' }, { getConfigurationResponse: { status: 'REJECTED' } }).status).toBe('REJECTED');
  });
});

describe('the other new commands', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const verificationKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  test.each<[string, DeviceCommand, OslpMessage]>([
    ['switchConfiguration', { kind: 'switchConfiguration', configurationBank: 1 }, { switchConfigurationRequest: { newConfigurationSet: 1 } }],
    ['getConfiguration', { kind: 'getConfiguration' }, { getConfigurationRequest: {} }],
    [
      'updateDeviceSslCertification',
      { kind: 'updateDeviceSslCertification', certificateDomain: 'certs.example.org', certificateUrl: '/ssld/cert.pem' },
      { updateDeviceSslCertificationRequest: { certificateDomain: 'certs.example.org', certificateUrl: '/ssld/cert.pem' } },
    ],
    [
      'setDeviceVerificationKey',
      { kind: 'setDeviceVerificationKey', verificationKey },
      { setDeviceVerificationKeyRequest: { certificateChunk: Buffer.from(verificationKey, 'base64') } },
    ],
  ])('%s', (_name, command, expected) => {
    expect(overTheWire(toOslpRequest(command))).toEqual(expected);
  });

  test('the bank is one octet on the wire', () => {
    // Message field 45 (0xea 0x02), length 3, field 1 bytes of length 1 holding 0x01.
    expect(encodeMessage({ switchConfigurationRequest: { newConfigurationSet: 1 } }).toString('hex')).toBe('ea0203 0a0101'.replace(' ', ''));
  });

  test('answers become their responses', () => {
    expect(fromOslpResponse({ kind: 'switchConfiguration', configurationBank: 0 }, { switchConfigurationResponse: { status: 'OK' } }).response).toEqual({ kind: 'switchConfiguration' });
    expect(fromOslpResponse({ kind: 'setDeviceVerificationKey', verificationKey }, { setDeviceVerificationKeyResponse: { status: 'REJECTED' } }).status).toBe('REJECTED');
    expect(() => fromOslpResponse({ kind: 'getConfiguration' }, { setLightResponse: { status: 'OK' } })).toThrow('getConfigurationResponse');
  });

  test('the message log names the key by its length, never its content', () => {
    const line = summarize(toOslpRequest({ kind: 'setDeviceVerificationKey', verificationKey }));
    expect(line).toBe('setDeviceVerificationKey (91 octets)');
  });
});

describe('helpers', () => {
  test('IPv4 text <-> 4 octets', () => {
    expect(octetsToIpv4(ipv4ToOctets('192.168.1.254'))).toBe('192.168.1.254');
    expect(() => ipv4ToOctets('300.1.1.1')).toThrow('not an IPv4 address');
    expect(octetsToIpv4(undefined)).toBe('0.0.0.0');
  });

  test('an accepted change replaces the fields it carries and keeps the others', () => {
    expect(mergeConfiguration({ timeSyncFrequency: 60, dhcpEnabled: true }, { dhcpEnabled: false, osgpPortNumber: 1 })).toEqual({
      timeSyncFrequency: 60,
      dhcpEnabled: false,
      osgpPortNumber: 1,
    });
    expect(toOslpConfiguration({})).toEqual({});
  });
});
