import { OslpProtocolError } from '../../../adapters/oslp/errors';
import { decodeMessage, encodeMessage, messageKind, type OslpMessage } from '../../../adapters/oslp/messages';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof OslpProtocolError) return error.code;
    throw error;
  }
  throw new Error('expected an OslpProtocolError');
}

const roundTrips: Array<[string, OslpMessage]> = [
  [
    'registerDeviceRequest',
    {
      registerDeviceRequest: {
        deviceIdentification: 'SIM-000001',
        ipAddress: Buffer.from([127, 0, 0, 1]),
        deviceType: 'SSLD',
        hasSchedule: false,
        randomDevice: 4711,
      },
    },
  ],
  [
    'registerDeviceResponse',
    {
      registerDeviceResponse: {
        status: 'OK',
        currentTime: '20261127120000',
        randomDevice: 4711,
        randomPlatform: 815,
        locationInfo: { timeOffset: 60, latitude: 52_123_456, longitude: -4_500_000 },
      },
    },
  ],
  ['confirmRegisterDeviceRequest', { confirmRegisterDeviceRequest: { randomDevice: 1, randomPlatform: 65535 } }],
  [
    'confirmRegisterDeviceResponse',
    { confirmRegisterDeviceResponse: { status: 'OK', randomDevice: 1, randomPlatform: 2, sequenceWindow: 6 } },
  ],
  ['setLightRequest', { setLightRequest: { values: [{ index: 0, on: true, dimValue: 100 }, { index: 3, on: false }, { on: true }] } }],
  ['setLightResponse', { setLightResponse: { status: 'REJECTED' } }],
  ['getStatusRequest', { getStatusRequest: {} }],
  [
    'getStatusResponse',
    {
      getStatusResponse: {
        status: 'OK',
        value: [{ index: 1, on: true, dimValue: 40 }, { index: 2, on: false }],
        preferredLinktype: 'ETHERNET',
        actualLinktype: 'GPRS',
        lightType: 'DALI',
        eventNotificationMask: 255,
        macAddress: Buffer.from([1, 2, 3, 4, 5, 6]),
      },
    },
  ],
  [
    'eventNotificationRequest',
    {
      eventNotificationRequest: {
        notifications: [
          { event: 'LIGHT_EVENTS_LIGHT_ON', index: 2, description: 'switched', timestamp: '20261127120000' },
          { event: 'SECURITY_EVENTS_INVALID_CERTIFICATE' },
        ],
      },
    },
  ],
  ['eventNotificationResponse', { eventNotificationResponse: { status: 'FAILURE' } }],
  [
    'setScheduleRequest',
    {
      setScheduleRequest: {
        schedules: [
          { weekday: 'ALL', actionTime: 'SUNSET', value: [{ index: 0, on: true }], window: { minutesBefore: 10, minutesAfter: 5 } },
        ],
        pageInfo: { currentPage: 1, pageSize: 1, totalPages: 1 },
        scheduleType: 'LIGHT',
      },
    },
  ],
];

describe('OSLP message codec', () => {
  it.each(roundTrips)('round-trips a %s', (kind, message) => {
    const decoded = decodeMessage(encodeMessage(message));
    expect(messageKind(decoded)).toBe(kind);
    expect(decoded).toEqual(message);
  });

  it('puts SetLight on the wire with the OSLP field numbers and one-octet index and dim value', () => {
    const bytes = encodeMessage({ setLightRequest: { values: [{ index: 1, on: true, dimValue: 50 }] } });
    // Message.setLightRequest = 9 (len), SetLightRequest.values = 1 (len),
    // LightValue.index = 1 (bytes 0x01), .on = 2 (varint 1), .dimValue = 3 (bytes 0x32)
    expect(bytes.toString('hex')).toBe('4a0a0a080a010110011a0132');
  });

  it('uses field 37 for ConfirmRegisterDeviceRequest and 11 for GetStatusRequest', () => {
    expect(encodeMessage({ confirmRegisterDeviceRequest: { randomDevice: 1, randomPlatform: 2 } }).toString('hex')).toBe(
      'aa020408011002',
    );
    expect(encodeMessage({ getStatusRequest: {} }).toString('hex')).toBe('5a00');
  });

  it('treats an empty light index from a device as "not given"', () => {
    // getStatusResponse(12){ status OK, value { index: <empty>, on: true }, links 3/3, lightType 1, mask 0 }
    const payload = Buffer.from('6210' + '0800' + '12040a001001' + '1803' + '2003' + '2801' + '3000', 'hex');
    const decoded = decodeMessage(payload);
    expect(decoded.getStatusResponse?.value).toEqual([{ on: true }]);
  });

  describe('rejects payloads that are no valid OSLP message', () => {
    it('garbage bytes -> MALFORMED', () => {
      expect(codeOf(() => decodeMessage(Buffer.from([0xff, 0xff, 0xff])))).toBe('MALFORMED');
    });
    it('a message without a required field -> MALFORMED', () => {
      expect(codeOf(() => decodeMessage(Buffer.from([0x52, 0x00])))).toBe('MALFORMED'); // setLightResponse without status
    });
    it('an enum number OSLP does not define -> MALFORMED', () => {
      expect(codeOf(() => decodeMessage(Buffer.from([0x52, 0x02, 0x08, 0x07])))).toBe('MALFORMED');
    });
    it('a one-octet field with two octets -> MALFORMED', () => {
      expect(codeOf(() => decodeMessage(Buffer.from('4a080a060a020102 1001'.replace(/ /g, ''), 'hex')))).toBe('MALFORMED');
    });
    it('two message kinds at once -> MALFORMED', () => {
      expect(codeOf(() => decodeMessage(Buffer.from([0x5a, 0x00, 0x52, 0x02, 0x08, 0x00])))).toBe('MALFORMED');
    });
    it('an empty payload -> UNSUPPORTED_MESSAGE', () => {
      expect(codeOf(() => decodeMessage(Buffer.alloc(0)))).toBe('UNSUPPORTED_MESSAGE');
    });
    it('a kind this adapter does not declare (field 27, getPowerUsageHistoryRequest) -> UNSUPPORTED_MESSAGE', () => {
      expect(codeOf(() => decodeMessage(Buffer.from([0xda, 0x01, 0x00])))).toBe('UNSUPPORTED_MESSAGE');
    });
  });

  describe('refuses to encode what a device could not parse', () => {
    it('a missing required field', () => {
      const message = { setLightResponse: {} } as unknown as OslpMessage;
      expect(codeOf(() => encodeMessage(message))).toBe('INVALID_ARGUMENT');
    });
    it('an unknown enum name', () => {
      const message = { setLightResponse: { status: 'MAYBE' } } as unknown as OslpMessage;
      expect(codeOf(() => encodeMessage(message))).toBe('INVALID_ARGUMENT');
    });
    it('a dim value that does not fit one octet', () => {
      expect(codeOf(() => encodeMessage({ setLightRequest: { values: [{ on: true, dimValue: 300 }] } }))).toBe('INVALID_ARGUMENT');
    });
    it('a misspelt field', () => {
      const message = { setLightRequest: { value: [] } } as unknown as OslpMessage;
      expect(codeOf(() => encodeMessage(message))).toBe('INVALID_ARGUMENT');
    });
    it('a wrong scalar type', () => {
      const message = { confirmRegisterDeviceRequest: { randomDevice: 'one', randomPlatform: 2 } } as unknown as OslpMessage;
      expect(codeOf(() => encodeMessage(message))).toBe('INVALID_ARGUMENT');
    });
    it('no kind, or two kinds', () => {
      expect(codeOf(() => encodeMessage({}))).toBe('INVALID_ARGUMENT');
      expect(codeOf(() => encodeMessage({ getStatusRequest: {}, setRebootRequest: {} }))).toBe('INVALID_ARGUMENT');
    });
  });
});
