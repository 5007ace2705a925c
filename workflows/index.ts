// Every workflow the core worker runs. Workflow code is deterministic: no I/O, clocks or randomness here.
export { setLightWorkflow } from './public-lighting/set-light';
// Also core.getStatus: the same device command, whichever domain asks.
export { getStatusWorkflow } from './public-lighting/get-status';
export { startDeviceTestWorkflow } from './core/start-device-test';
export { stopDeviceTestWorkflow } from './core/stop-device-test';
export { setRebootWorkflow } from './core/set-reboot';
export { setEventNotificationsWorkflow } from './core/set-event-notifications';
export { progressQuery } from './common/device-request';
export { deviceEventNotificationWorkflow } from './notifications/device-event-notification';
