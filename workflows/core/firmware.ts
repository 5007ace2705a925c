// Core firmware management on devices: read the active version (and keep it in the device's history), send
// a firmware to download and activate, switch to a version the device holds.
import { proxyActivities } from '@temporalio/workflow';
import type { DeviceCommand } from '../../common/device-commands';
import type { FirmwareActivities } from '../../activities/firmware';
import { coreTaskQueue } from '../../core/protocols';
import type { FirmwareReport } from '../../core/firmware/device-firmware';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

const firmware = proxyActivities<FirmwareActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function getFirmwareVersionWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  const reports: FirmwareReport[] = [];
  const summary = await runDeviceRequest(
    input,
    () => ({ kind: 'getFirmwareVersion' }),
    (device, response) => {
      if (response.kind === 'getFirmwareVersion') {
        reports.push({ deviceIdentification: device.deviceIdentification, version: response.firmwareVersion, source: 'GET_FIRMWARE_VERSION', atMs: Date.now() });
      }
      return response;
    },
  );
  await firmware.recordFirmwareReports({ reports });
  return summary;
}

export interface UpdateFirmwareInput extends DeviceRequestInput {
  firmwareId: string;
  firmwareIdentification: string;
}

export async function updateFirmwareWorkflow(input: UpdateFirmwareInput): Promise<RequestSummary> {
  const downloads = await firmware.firmwareDownloads({
    firmwareId: input.firmwareId,
    deviceIdentifications: input.devices.map((d) => d.deviceIdentification),
  });
  const byDevice = new Map(downloads.map((d) => [d.deviceIdentification, d]));
  return runDeviceRequest(input, (device): DeviceCommand => {
    const download = byDevice.get(device.deviceIdentification);
    if (!download) throw new Error(`no download URL for ${device.deviceIdentification}`);
    return { kind: 'updateFirmware', firmwareDomain: download.firmwareDomain, firmwareUrl: download.firmwareUrl };
  });
}

export interface SwitchFirmwareInput extends DeviceRequestInput {
  version: string;
}

export async function switchFirmwareWorkflow(input: SwitchFirmwareInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'switchFirmware', newFirmwareVersion: input.version }));
}
