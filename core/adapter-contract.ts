// The adapter contract: the activities a protocol adapter registers on its task queue (core/protocols.ts),
// as the domain workflows call them. Workflows import these interfaces as types only and proxy them; each
// adapter's activity factory is declared against them, so a mismatch on either side fails `tsc`.
import type {
  DeviceBatchRequest,
  DeviceBatchResult,
  DeviceCommandOutcome,
  DeviceCommandRequest,
  DlmsCommandRequest,
} from '../common/device-commands';

/** One generic device command on one device, one attempt per call (Temporal retries it). Every adapter has it. */
export interface AdapterActivities {
  executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome>;
}

/**
 * The batch activity of adapters that serve group requests (mass switching): one attempt per device per
 * call, `concurrency` exchanges at a time, a result per device saying whether a retry could help. It
 * heartbeats (at least every few seconds; see batchHeartbeatTimeoutMs in workflows/common/device-batch.ts),
 * and when cancelled it starts no further exchange.
 */
export interface BatchAdapterActivities {
  executeDeviceCommandBatch(request: DeviceBatchRequest): Promise<DeviceBatchResult>;
}

/**
 * The DLMS adapter's activity: COSEM operations over one association per call, a result per action. The
 * smart metering workflows decide what is tried again, so one call is one attempt.
 */
export interface DlmsAdapterActivities {
  executeDeviceCommand(request: DlmsCommandRequest): Promise<DeviceCommandOutcome>;
}
