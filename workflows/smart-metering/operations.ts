// Smart metering operations: one workflow per OSGP operation, each one or more functional actions on every
// meter of the request (workflow id = correlation uid). Bundle runs the caller's actions over one association.
import type { DeviceRequestInput, RequestSummary } from '../common/device-request';
import type { SmartMeteringAction } from './domain/actions';
import type { EventLogCategory, PeriodType } from '../../common/smart-metering';
import { runMeterRequest } from './meter-request';

export async function getActualMeterReadsWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'getActualMeterReads' }] });
}

export interface PeriodicMeterReadsInput extends DeviceRequestInput {
  periodType: PeriodType;
  from: string;
  to: string;
}

export async function getPeriodicMeterReadsWorkflow(input: PeriodicMeterReadsInput): Promise<RequestSummary> {
  const { periodType, from, to } = input;
  return runMeterRequest({ ...input, actions: [{ action: 'getPeriodicMeterReads', periodType, from, to }] });
}

export async function readAlarmRegisterWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'readAlarmRegister' }] });
}

export async function clearAlarmRegisterWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'clearAlarmRegister' }] });
}

export async function synchronizeTimeWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'synchronizeTime' }] });
}

export async function getMeterFirmwareVersionWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'getFirmwareVersion' }] });
}

export interface FindMeterEventsInput extends DeviceRequestInput {
  eventLogCategory: EventLogCategory;
  from: string;
  to: string;
}

export async function findMeterEventsWorkflow(input: FindMeterEventsInput): Promise<RequestSummary> {
  const { eventLogCategory, from, to } = input;
  return runMeterRequest({ ...input, actions: [{ action: 'findEvents', eventLogCategory, from, to }] });
}

export async function getAssociationLnObjectsWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runMeterRequest({ ...input, actions: [{ action: 'getAssociationLnObjects' }] });
}

export interface SpecificAttributeValueInput extends DeviceRequestInput {
  classId: number;
  obisCode: string;
  attribute: number;
}

export async function getSpecificAttributeValueWorkflow(input: SpecificAttributeValueInput): Promise<RequestSummary> {
  const { classId, obisCode, attribute } = input;
  return runMeterRequest({ ...input, actions: [{ action: 'getSpecificAttributeValue', classId, obisCode, attribute }] });
}

export interface ReplaceKeysInput extends DeviceRequestInput {
  /** Sealed by the API's DLMS key store for the meter; only the DLMS adapter opens them. */
  authenticationKeySealed: string;
  blockCipherKeySealed: string;
}

/** ReplaceKeys: new authentication and encryption keys by global key transfer; stored once the meter took them. */
export async function replaceKeysWorkflow(input: ReplaceKeysInput): Promise<RequestSummary> {
  const { authenticationKeySealed, blockCipherKeySealed } = input;
  return runMeterRequest({ ...input, actions: [{ action: 'replaceKeys', authenticationKeySealed, blockCipherKeySealed }] });
}

export interface BundleInput extends DeviceRequestInput {
  actions: SmartMeteringAction[];
}

/** Bundle: the actions in order over one association per meter; per-action results; only failed ones retried. */
export async function bundleWorkflow(input: BundleInput): Promise<RequestSummary> {
  return runMeterRequest(input);
}
