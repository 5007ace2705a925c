// Generic device commands <-> OSLP messages: every command kind becomes a message the codec can put on the
// wire, and every answer becomes the generic response the request record keeps (plain JSON).
import { eventNotificationTypes, type DeviceCommand } from '../../../common/device-commands';
import { decodeMessage, encodeMessage, OSLP_NOTIFICATION_BITS, type OslpMessage } from '../../../adapters/oslp/messages';
import {
  fromNotificationMask,
  fromOslpResponse,
  summarize,
  toNotificationMask,
  toOslpRequest,
} from '../../../activities/oslp/translate';

/** Through the protobuf codec and back, as the message travels. */
const overTheWire = (message: OslpMessage): OslpMessage => decodeMessage(encodeMessage(message));

describe('toOslpRequest', () => {
  test.each<[string, DeviceCommand, OslpMessage]>([
    ['getStatus', { kind: 'getStatus' }, { getStatusRequest: {} }],
    ['startSelfTest', { kind: 'startSelfTest' }, { startSelfTestRequest: {} }],
    ['stopSelfTest', { kind: 'stopSelfTest' }, { stopSelfTestRequest: {} }],
    ['setReboot', { kind: 'setReboot' }, { setRebootRequest: {} }],
    [
      'setEventNotifications of no groups',
      { kind: 'setEventNotifications', eventNotificationTypes: [] },
      { setEventNotificationsRequest: { NotificationMask: 0 } },
    ],
    [
      'setEventNotifications of two groups',
      { kind: 'setEventNotifications', eventNotificationTypes: ['LIGHT_EVENTS', 'SECURITY_EVENTS'] },
      { setEventNotificationsRequest: { NotificationMask: 4 | 128 } },
    ],
    [
      'setLight',
      { kind: 'setLight', lightValues: [{ index: 0, on: true, dimValue: 40 }] },
      { setLightRequest: { values: [{ index: 0, on: true, dimValue: 40 }] } },
    ],
  ])('%s becomes its OSLP request, which the codec carries unchanged', (_name, command, expected) => {
    const message = toOslpRequest(command);
    expect(message).toEqual(expected);
    expect(overTheWire(message)).toEqual(expected);
  });
});

describe('event notification masks', () => {
  test('every event group has its own OSLP bit, and the mask of all groups decodes to all groups', () => {
    const bits = eventNotificationTypes.map((type) => OSLP_NOTIFICATION_BITS[type]);
    expect(new Set(bits).size).toBe(eventNotificationTypes.length);
    expect(toNotificationMask(eventNotificationTypes)).toBe(255);
    expect(fromNotificationMask(255)).toEqual([...eventNotificationTypes]);
  });

  test('decoding lists the groups in a fixed order and ignores bits without a group', () => {
    expect(fromNotificationMask(128 | 4 | 256)).toEqual(['LIGHT_EVENTS', 'SECURITY_EVENTS']);
    expect(fromNotificationMask(0)).toEqual([]);
  });

  test('a repeated group sets its bit once', () => {
    expect(toNotificationMask(['DIAG_EVENTS', 'DIAG_EVENTS'])).toBe(1);
  });
});

describe('fromOslpResponse', () => {
  test('stopSelfTest carries the self test result as hex, and the status word', () => {
    const answer = overTheWire({ stopSelfTestResponse: { status: 'OK', selfTestResult: Buffer.from([0x00, 0x1f]) } });
    expect(fromOslpResponse({ kind: 'stopSelfTest' }, answer)).toEqual({
      status: 'OK',
      response: { kind: 'stopSelfTest', selfTestResult: '001f' },
    });
  });

  test.each([
    ['startSelfTest', { startSelfTestResponse: { status: 'OK' } }],
    ['setReboot', { setRebootResponse: { status: 'REJECTED' } }],
    ['setEventNotifications', { setEventNotificationsResponse: { status: 'FAILURE' } }],
  ] as const)('%s answers with its status only', (kind, answer) => {
    const { status, response } = fromOslpResponse({ kind } as DeviceCommand, overTheWire(answer));
    expect(status).toBe(Object.values(answer)[0].status);
    expect(response).toEqual({ kind });
  });

  test('getStatus decodes the event notification mask into event groups', () => {
    const answer = overTheWire({
      getStatusResponse: {
        status: 'OK',
        value: [{ index: 1, on: true, dimValue: 50 }],
        preferredLinktype: 'ETHERNET',
        actualLinktype: 'ETHERNET',
        lightType: 'RELAY',
        eventNotificationMask: 4 | 16,
      },
    });
    const { response } = fromOslpResponse({ kind: 'getStatus' }, answer);
    expect(response).toEqual({
      kind: 'getStatus',
      status: {
        lightValues: [{ index: 1, on: true, dimValue: 50 }],
        preferredLinkType: 'ETHERNET',
        actualLinkType: 'ETHERNET',
        lightType: 'RELAY',
        eventNotificationMask: 20,
        eventNotificationTypes: ['LIGHT_EVENTS', 'MONITOR_EVENTS'],
      },
    });
    // What the request record keeps must survive JSON.
    expect(JSON.parse(JSON.stringify(response))).toEqual(response);
  });

  test('an answer of another kind is an error naming the expected one', () => {
    expect(() => fromOslpResponse({ kind: 'setReboot' }, { startSelfTestResponse: { status: 'OK' } })).toThrow(
      'setReboot answered without a setRebootResponse',
    );
  });
});

describe('summarize', () => {
  test('names the event groups of a setEventNotifications request and the result of a stopped self test', () => {
    expect(summarize({ setEventNotificationsRequest: { NotificationMask: 4 | 128 } })).toBe(
      'setEventNotifications LIGHT_EVENTS,SECURITY_EVENTS (mask 132)',
    );
    expect(summarize({ setEventNotificationsRequest: { NotificationMask: 0 } })).toBe('setEventNotifications none (mask 0)');
    expect(summarize({ stopSelfTestResponse: { status: 'OK', selfTestResult: Buffer.from([0]) } })).toBe('stopSelfTest OK result 00');
    expect(summarize({ setRebootResponse: { status: 'OK' } })).toBe('setRebootResponse OK');
    expect(summarize({ startSelfTestRequest: {} })).toBe('startSelfTestRequest');
  });
});
