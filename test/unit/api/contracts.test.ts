// Input validation of the API contracts: what is refused, and that the refusal names the field.
import { platformContract } from '../../../api/contract';
import { buildOpenApiDocument } from '../../../api/openapi';

const setLightBody = platformContract.publicLighting.setLight.body;
const addDeviceBody = platformContract.core.addDevice.body;

function fieldsOf(result: { success: boolean; error?: { issues: Array<{ path: Array<string | number> }> } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('publicLighting.setLight body', () => {
  const valid = { deviceIdentifications: ['SIM-0001'], lightValues: [{ index: 0, on: true, dimValue: 50 }] };

  test('accepts one device switched on and dimmed', () => {
    expect(setLightBody.safeParse(valid).success).toBe(true);
  });

  test.each([
    ['a dim value above 100', 'lightValues.0.dimValue', { ...valid, lightValues: [{ index: 0, on: true, dimValue: 101 }] }],
    ['a dim value of 0', 'lightValues.0.dimValue', { ...valid, lightValues: [{ index: 0, on: true, dimValue: 0 }] }],
    ['a dim value on a light switched off', 'lightValues.0.dimValue', { ...valid, lightValues: [{ index: 1, on: false, dimValue: 20 }] }],
    ['an index above 6', 'lightValues.0.index', { ...valid, lightValues: [{ index: 7, on: true }] }],
    ['no devices', 'deviceIdentifications', { ...valid, deviceIdentifications: [] }],
    ['a repeated device', 'deviceIdentifications', { ...valid, deviceIdentifications: ['A', 'A'] }],
    ['a device identification with a space', 'deviceIdentifications.0', { ...valid, deviceIdentifications: ['A B'] }],
    ['a repeated light index', 'lightValues', { ...valid, lightValues: [{ index: 1, on: true }, { index: 1, on: false }] }],
    ['on missing', 'lightValues.0.on', { ...valid, lightValues: [{ index: 1 }] }],
  ])('refuses %s, naming %s', (_case, field, body) => {
    const result = setLightBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(fieldsOf(result)).toContain(field);
  });

  test('refuses more devices than one request may carry', () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `D-${i}`);
    expect(fieldsOf(setLightBody.safeParse({ ...valid, deviceIdentifications: ids }))).toContain('deviceIdentifications');
  });
});

describe('core.addDevice body', () => {
  const valid = {
    deviceIdentification: 'SIM-0001',
    protocol: 'OSLP',
    deviceUid: Buffer.alloc(12, 1).toString('base64'),
    publicKey: '-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----\n',
  };

  test('accepts an OSLP device and defaults the port to 12122', () => {
    const result = addDeviceBody.safeParse(valid);
    expect(result.success && result.data.port).toBe(12122);
  });

  test.each([
    ['a device uid that is not 12 bytes', 'deviceUid', { ...valid, deviceUid: 'AAAA' }],
    ['an unknown protocol', 'protocol', { ...valid, protocol: 'MODBUS' }],
    ['a latitude beyond 90', 'latitude', { ...valid, latitude: 91 }],
    ['a network address that is not an IP address', 'networkAddress', { ...valid, networkAddress: 'lamp-post' }],
    ['a public key that is not PEM', 'publicKey', { ...valid, publicKey: 'abc' }],
  ])('refuses %s, naming %s', (_case, field, body) => {
    expect(fieldsOf(addDeviceBody.safeParse(body))).toContain(field);
  });
});

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument();
  const operationIds = Object.values(document.paths).flatMap((path) =>
    Object.values(path as Record<string, { operationId?: string }>).map((op) => op.operationId),
  );

  test('names every operation <domain>.<OSGP operation in lowerCamelCase>', () => {
    // Parity with OSGP is counted by these names; a new operation is added here on purpose.
    expect([...operationIds].sort()).toEqual([
      'admin.activateOrganisation',
      'admin.changeOrganisation',
      'admin.createApiKey',
      'admin.createOrganisation',
      'admin.findAllOrganisations',
      'admin.findApiKeys',
      'admin.findDeviceAuthorisations',
      'admin.findDevicesWhichHaveNoOwner',
      'admin.findMessageLogs',
      'admin.findOrganisation',
      'admin.getProtocolInfos',
      'admin.removeDevice',
      'admin.removeOrganisation',
      'admin.revokeApiKey',
      'admin.revokeKey',
      'admin.setCommunicationNetworkInformation',
      'admin.setOwner',
      'admin.updateDeviceAuthorisations',
      'admin.updateDeviceProtocol',
      'admin.updateKey',
      'core.abortFirmwareRollout',
      'core.addDevice',
      'core.addDeviceGroupMembers',
      'core.addDeviceModel',
      'core.addDevices',
      'core.addFirmware',
      'core.addLightMeasurementDevice',
      'core.addManufacturer',
      'core.addOrChangeFirmware',
      'core.changeDeviceModel',
      'core.changeFirmware',
      'core.changeManufacturer',
      'core.createDeviceGroup',
      'core.deleteDeviceGroup',
      'core.deleteNotificationWebhook',
      'core.findAllDeviceModels',
      'core.findAllFirmwares',
      'core.findAllManufacturers',
      'core.findAllOrganisations',
      'core.findDeviceGroupMembers',
      'core.findDeviceGroups',
      'core.findDeviceModel',
      'core.findDeviceStates',
      'core.findDevices',
      'core.findEvents',
      'core.findFirmware',
      'core.findManufacturer',
      'core.findOrganisation',
      'core.findRecentDevices',
      'core.findScheduledTasks',
      'core.getConfiguration',
      'core.getDeviceFirmwareHistory',
      'core.getDeviceGroup',
      'core.getFirmwareRollout',
      'core.getFirmwareVersion',
      'core.getNotificationWebhook',
      'core.getStatus',
      'core.pauseFirmwareRollout',
      'core.removeDeviceGroupMembers',
      'core.removeDeviceModel',
      'core.removeFirmware',
      'core.removeManufacturer',
      'core.resumeFirmwareRollout',
      'core.saveCurrentDeviceFirmware',
      'core.setConfiguration',
      'core.setDeviceAlias',
      'core.setDeviceLifecycleStatus',
      'core.setDeviceModel',
      'core.setDeviceVerificationKey',
      'core.setEventNotifications',
      'core.setMaintenanceStatus',
      'core.setNotificationWebhook',
      'core.setReboot',
      'core.startDeviceTest',
      'core.startFirmwareRollout',
      'core.stopDeviceTest',
      'core.subscribeToDeviceEvents',
      'core.switchConfiguration',
      'core.switchFirmware',
      'core.unsubscribeFromDeviceEvents',
      'core.updateDevice',
      'core.updateDeviceCdmaSettings',
      'core.updateDeviceGroup',
      'core.updateDeviceSslCertification',
      'core.updateDevices',
      'core.updateFirmware',
      'core.updateLightMeasurementDevice',
      'publicLighting.createLightingSchedule',
      'publicLighting.deleteLightingSchedule',
      'publicLighting.findAllDevices',
      'publicLighting.findLightingSchedules',
      'publicLighting.getLightingSchedule',
      'publicLighting.getStatus',
      'publicLighting.pauseLightingSchedule',
      'publicLighting.resumeSchedule',
      'publicLighting.setLight',
      'publicLighting.setLightMeasurementDevice',
      'publicLighting.setSchedule',
      'publicLighting.setTransition',
      'publicLighting.triggerLightingSchedule',
      'publicLighting.unpauseLightingSchedule',
      'publicLighting.updateLightingSchedule',
      'requests.cancelRequest',
      'requests.findRequests',
      'requests.getRequest',
      'smartMetering.addDevice',
      'smartMetering.bundle',
      'smartMetering.clearAlarmRegister',
      'smartMetering.findEvents',
      'smartMetering.getActualMeterReads',
      'smartMetering.getAssociationLnObjects',
      'smartMetering.getFirmwareVersion',
      'smartMetering.getPeriodicMeterReads',
      'smartMetering.getSpecificAttributeValue',
      'smartMetering.readAlarmRegister',
      'smartMetering.replaceKeys',
      'smartMetering.synchronizeTime',
      'tariffSwitching.getDevices',
      'tariffSwitching.getStatus',
      'tariffSwitching.setSchedule',
    ]);
    for (const id of operationIds) {
      expect(id).toMatch(/^(admin|core|publicLighting|tariffSwitching|smartMetering|requests)\.[a-z][A-Za-z]+$/);
    }
  });
});
