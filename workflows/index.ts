// Every workflow the core worker runs. Workflow code is deterministic: no I/O, clocks or randomness here.
export { setLightWorkflow } from './public-lighting/set-light';
// Also core.getStatus: the same device command, whichever domain asks.
export { getStatusWorkflow } from './public-lighting/get-status';
export { startDeviceTestWorkflow } from './core/start-device-test';
export { stopDeviceTestWorkflow } from './core/stop-device-test';
export { setRebootWorkflow } from './core/set-reboot';
export { setEventNotificationsWorkflow } from './core/set-event-notifications';
// Device status monitoring and time synchronisation: one run per interval of a platform-wide Temporal Schedule.
export { deviceMonitoringWorkflow } from './core/device-monitoring';
// Core firmware management (getFirmwareVersion, updateFirmware, switchFirmware) and staged rollouts.
export { getFirmwareVersionWorkflow, updateFirmwareWorkflow, switchFirmwareWorkflow } from './core/firmware';
export { firmwareRolloutWorkflow, firmwareRolloutWaveWorkflow } from './core/firmware-rollout';
export { progressQuery } from './common/device-request';
export { deviceEventNotificationWorkflow } from './notifications/device-event-notification';
export { organisationNotificationsWorkflow } from './notifications/organisation-queue';
// Device-side lighting schedules and light measurement devices (OSLP), and tariff switching.
export { setScheduleWorkflow } from './public-lighting/set-schedule';
export { resumeScheduleWorkflow } from './public-lighting/resume-schedule';
export { setTransitionWorkflow } from './public-lighting/set-transition';
export { lightMeasurementTransitionWorkflow } from './public-lighting/light-measurement-transition';
export { tariffSetScheduleWorkflow } from './tariff-switching/set-schedule';
export { tariffGetStatusWorkflow } from './tariff-switching/get-status';
// Smart metering (DLMS/COSEM meters, on the adapter-dlms task queue): a workflow per operation, and bundle.
export {
  getActualMeterReadsWorkflow,
  getPeriodicMeterReadsWorkflow,
  readAlarmRegisterWorkflow,
  clearAlarmRegisterWorkflow,
  synchronizeTimeWorkflow,
  getMeterFirmwareVersionWorkflow,
  findMeterEventsWorkflow,
  getAssociationLnObjectsWorkflow,
  getSpecificAttributeValueWorkflow,
  bundleWorkflow,
  replaceKeysWorkflow,
} from './smart-metering/operations';
// Group requests (tens of thousands of devices): a parent that pages its target, a child per batch.
export { groupRequestWorkflow } from './common/group-request';
export { deviceBatchWorkflow } from './common/device-batch';
export { scheduledLightingWorkflow } from './public-lighting/scheduled-lighting';
export { astronomicalLightingWorkflow } from './public-lighting/astronomical-lighting';
// Core configuration management, and the device verification key and certificate operations.
export {
  getConfigurationWorkflow,
  setConfigurationWorkflow,
  switchConfigurationWorkflow,
  setDeviceVerificationKeyWorkflow,
  updateDeviceSslCertificationWorkflow,
} from './core/configuration';
