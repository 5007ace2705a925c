// Core configuration management (OSGP's CoreConfigurationManagement) and the device key and certificate
// operations of Core device management: one device command per device, as every device request; what the
// devices reported or accepted is then kept on their records by a core activity, so the device shows it.
import { proxyActivities } from '@temporalio/workflow';
import type { DeviceResponse } from '../../common/device-commands';
import type { DeviceConfiguration } from '../../common/device-configuration';
import { coreTaskQueue } from '../../core/protocols';
import type { ConfigurationActivities } from '../../activities/configuration';
import type { ReportedConfiguration } from '../../core/configuration/device-configuration';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

const records = proxyActivities<ConfigurationActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '30 seconds',
  // What a device accepted must not be lost to a database hiccup: keep trying.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** The devices that answered OK, and their answers, in the order they answered. */
function okAnswers(): { answers: Array<{ deviceIdentification: string; response: DeviceResponse }>; collect: (d: { deviceIdentification: string }, r: DeviceResponse) => DeviceResponse } {
  const answers: Array<{ deviceIdentification: string; response: DeviceResponse }> = [];
  return {
    answers,
    collect: (device, response) => {
      answers.push({ deviceIdentification: device.deviceIdentification, response });
      return response;
    },
  };
}

export async function getConfigurationWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  const { answers, collect } = okAnswers();
  const summary = await runDeviceRequest(input, () => ({ kind: 'getConfiguration' }), collect);
  const reports: ReportedConfiguration[] = answers.flatMap(({ deviceIdentification, response }) =>
    response.kind === 'getConfiguration' ? [{ deviceIdentification, configuration: response.configuration }] : [],
  );
  if (reports.length > 0) await records.recordReportedConfigurations({ reports });
  return summary;
}

export interface SetConfigurationInput extends DeviceRequestInput {
  /** The fields to change; the devices keep the others. */
  configuration: DeviceConfiguration;
}

export async function setConfigurationWorkflow(input: SetConfigurationInput): Promise<RequestSummary> {
  const { answers, collect } = okAnswers();
  const summary = await runDeviceRequest(input, () => ({ kind: 'setConfiguration', configuration: input.configuration }), collect);
  const accepted = answers.map((answer) => answer.deviceIdentification);
  if (accepted.length > 0) await records.recordAcceptedConfiguration({ deviceIdentifications: accepted, configuration: input.configuration });
  return summary;
}

export interface SwitchConfigurationInput extends DeviceRequestInput {
  /** 0 or 1. */
  configurationBank: number;
}

export async function switchConfigurationWorkflow(input: SwitchConfigurationInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'switchConfiguration', configurationBank: input.configurationBank }));
}

export interface SetDeviceVerificationKeyInput extends DeviceRequestInput {
  /** Base64 of the DER SPKI of a platform public key. */
  verificationKey: string;
}

/**
 * The OSLP adapter keeps the key for a device in the same write as the sequence number of its OK answer, and
 * only then: from that answer on the device verifies with the new key, so the platform must sign with it at once.
 */
export async function setDeviceVerificationKeyWorkflow(input: SetDeviceVerificationKeyInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'setDeviceVerificationKey', verificationKey: input.verificationKey }));
}

export interface UpdateDeviceSslCertificationInput extends DeviceRequestInput {
  certificateDomain: string;
  certificateUrl: string;
}

export async function updateDeviceSslCertificationWorkflow(input: UpdateDeviceSslCertificationInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({
    kind: 'updateDeviceSslCertification',
    certificateDomain: input.certificateDomain,
    certificateUrl: input.certificateUrl,
  }));
}
