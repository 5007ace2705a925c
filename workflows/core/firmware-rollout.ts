// A staged firmware rollout (beyond OSGP): one request, one long-running workflow. It finds its devices,
// then runs wave after wave, each as a child workflow (so each shows on its own in the Temporal Web UI):
// the wave sends updateFirmware to its devices, waits until they report the new version (asking them with
// getFirmwareVersion) or its timeout passes, and returns its outcome. A wave failing more than the caller's
// threshold pauses the rollout, which says so on its progress and to the organisation's webhook. Pause,
// resume and abort are signals; progress is a query. Everything a device was sent is in the history, so a
// restart of the platform continues where it was and never updates a device twice.
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  TimeoutFailure,
  condition,
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { permanentFailureTypes, type DeviceCommand, type DeviceFailureDetails } from '../../common/device-commands';
import type { FirmwareActivities } from '../../activities/firmware';
import type { RequestActivities } from '../../activities/requests';
import type { AdapterActivities, BatchAdapterActivities } from '../../core/adapter-contract';
import { adapterTaskQueue, coreTaskQueue, type Protocol } from '../../core/protocols';
import type { DeviceResultRecord, FinalRequestState } from '../../core/requests/records';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import type { FirmwareReport } from '../../core/firmware/device-firmware';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  resumeRolloutSignal,
  rolloutProgressQueryName,
  rolloutWaveWorkflowId,
  wavePartProgressSignal,
  waveSizes,
  type RolloutDeviceRef,
  type RolloutProgress,
  type RolloutTarget,
  type WaveProgress,
} from '../../core/firmware/rollout-model';
import { notifyRequestFinished } from '../common/device-request';

export const rolloutProgressQuery = defineQuery<RolloutProgress>(rolloutProgressQueryName);
export const pauseRollout = defineSignal(pauseRolloutSignal);
export const resumeRollout = defineSignal(resumeRolloutSignal);
export const abortRollout = defineSignal<[{ rollbackFailed: boolean }]>(abortRolloutSignal);
export const waveQuery = defineQuery<WaveProgress>('waveProgress');
export const partProgress = defineSignal<[WaveProgress & { part: number }]>(wavePartProgressSignal);

/** Devices per wave child workflow: keeps each one's history well inside Temporal's limits. */
export const devicesPerWavePart = 2_000;
const stateOrder = ['WAITING', 'UPDATING', 'VERIFYING', 'DONE'] as const;

const firmware = proxyActivities<FirmwareActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const records = proxyActivities<RequestActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface FirmwareRolloutInput {
  organisationId: string;
  firmwareId: string;
  firmwareIdentification: string;
  version: string;
  target: RolloutTarget;
  /** Percent of the devices per wave; the last wave takes the rest. */
  waves: number[];
  failureThresholdPercent: number;
  waveTimeoutMs: number;
  pollIntervalMs: number;
  rollbackFailed: boolean;
  options: DeviceRequestOptions;
}

export interface WaveInput {
  rolloutId: string;
  wave: number;
  /** A large wave runs as several parts (child workflows) of at most devicesPerWavePart devices, 1-based. */
  part?: number;
  percent: number;
  firmwareId: string;
  version: string;
  devices: RolloutDeviceRef[];
  waveTimeoutMs: number;
  pollIntervalMs: number;
  rollbackFailed: boolean;
  options: DeviceRequestOptions;
}

export interface WaveResult {
  ok: number;
  failed: number;
  rolledBack: number;
  /** Failed devices not switched back yet (an abort with rollback switches them). */
  failedDevices: RolloutDeviceRef[];
}

export async function firmwareRolloutWorkflow(input: FirmwareRolloutInput): Promise<RolloutProgress> {
  const correlationUid = workflowInfo().workflowId;
  const progress: RolloutProgress = {
    state: 'RUNNING',
    pauseReason: null,
    firmwareIdentification: input.firmwareIdentification,
    version: input.version,
    total: 0,
    done: 0,
    ok: 0,
    failed: 0,
    rolledBack: 0,
    waves: [],
  };
  let paused = false;
  let abort: { rollbackFailed: boolean } | null = null;
  setHandler(rolloutProgressQuery, () => progress);
  setHandler(pauseRollout, () => {
    if (abort || progress.state === 'COMPLETED') return;
    paused = true;
    progress.state = 'PAUSED';
    progress.pauseReason = 'paused on request';
  });
  setHandler(resumeRollout, () => {
    if (abort) return;
    paused = false;
    progress.state = 'RUNNING';
    progress.pauseReason = null;
  });
  setHandler(abortRollout, (request) => {
    abort ??= request;
    progress.state = 'ABORTING';
  });
  // Each part of a wave reports its own progress; the wave's is their sum.
  const parts = new Map<number, Map<number, WaveProgress>>();
  const partCounts = new Map<number, number>();
  setHandler(partProgress, (update) => {
    const ofWave = parts.get(update.wave) ?? new Map<number, WaveProgress>();
    ofWave.set(update.part, update);
    parts.set(update.wave, ofWave);
    const all = [...ofWave.values()];
    const wave = progress.waves[update.wave - 1];
    if (!wave || wave.state === 'DONE') return;
    // A part that has not reported yet is still sending its updates.
    const unreported = ofWave.size < (partCounts.get(update.wave) ?? 1) ? [stateOrder.indexOf('UPDATING')] : [];
    progress.waves[update.wave - 1] = {
      ...wave,
      state: stateOrder[Math.min(...all.map((p) => stateOrder.indexOf(p.state)), ...unreported)],
      done: all.reduce((n, p) => n + p.done, 0),
      ok: all.reduce((n, p) => n + p.ok, 0),
      failed: all.reduce((n, p) => n + p.failed, 0),
      waiting: all.reduce((n, p) => n + p.waiting, 0),
    };
  });

  const { devices, refused } = await firmware.resolveRolloutDevices({
    correlationUid,
    organisationId: input.organisationId,
    firmwareId: input.firmwareId,
    target: input.target,
  });
  progress.total = devices.length + refused;
  progress.done = refused;
  progress.failed = refused;
  const sizes = waveSizes(devices.length, input.waves);
  progress.waves = sizes.map((size, i) => ({
    wave: i + 1,
    percent: input.waves[i],
    size,
    state: 'WAITING',
    done: 0,
    ok: 0,
    failed: 0,
    waiting: 0,
    failureRate: null,
  }));

  const failedDevices: RolloutDeviceRef[] = [];
  let start = 0;
  let reached = 0;
  for (const [i, size] of sizes.entries()) {
    await condition(() => !paused || abort !== null);
    if (abort) break;
    const waveDevices = devices.slice(start, start + size);
    start += size;
    reached = start;
    if (size === 0) {
      progress.waves[i] = { ...progress.waves[i], state: 'DONE', failureRate: 0 };
      continue;
    }
    progress.waves[i] = { ...progress.waves[i], state: 'UPDATING' };
    const partCount = Math.ceil(size / devicesPerWavePart);
    partCounts.set(i + 1, partCount);
    const partResults = await Promise.all(
      Array.from({ length: partCount }, (_, p) =>
        executeChild(firmwareRolloutWaveWorkflow, {
          workflowId: partCount === 1 ? rolloutWaveWorkflowId(correlationUid, i + 1) : `${rolloutWaveWorkflowId(correlationUid, i + 1)}-part-${p + 1}`,
          taskQueue: coreTaskQueue,
          parentClosePolicy: ParentClosePolicy.TERMINATE,
          args: [
            {
              rolloutId: correlationUid,
              wave: i + 1,
              part: p + 1,
              percent: input.waves[i],
              firmwareId: input.firmwareId,
              version: input.version,
              devices: waveDevices.slice(p * devicesPerWavePart, (p + 1) * devicesPerWavePart),
              waveTimeoutMs: input.waveTimeoutMs,
              pollIntervalMs: input.pollIntervalMs,
              rollbackFailed: input.rollbackFailed,
              options: input.options,
            },
          ],
        }),
      ),
    );
    const result: WaveResult = {
      ok: partResults.reduce((n, r) => n + r.ok, 0),
      failed: partResults.reduce((n, r) => n + r.failed, 0),
      rolledBack: partResults.reduce((n, r) => n + r.rolledBack, 0),
      failedDevices: partResults.flatMap((r) => r.failedDevices),
    };
    const failureRate = result.failed / size;
    progress.waves[i] = { ...progress.waves[i], state: 'DONE', done: size, ok: result.ok, failed: result.failed, waiting: 0, failureRate };
    progress.done += size;
    progress.ok += result.ok;
    progress.failed += result.failed;
    progress.rolledBack += result.rolledBack;
    failedDevices.push(...result.failedDevices);
    const more = i < sizes.length - 1;
    if (more && failureRate * 100 > input.failureThresholdPercent && !abort) {
      paused = true;
      progress.state = 'PAUSED';
      progress.pauseReason = `wave ${i + 1} failed on ${result.failed} of ${size} devices (${(failureRate * 100).toFixed(1)} %), above the threshold of ${input.failureThresholdPercent} %`;
      if (input.options.notify !== false) {
        await firmware.notifyRolloutPaused({
          correlationUid,
          wave: i + 1,
          reason: progress.pauseReason,
          ok: progress.ok,
          failed: progress.failed,
          total: progress.total,
          retryPeriodMs: input.options.notificationRetryPeriodMs ?? 24 * 60 * 60 * 1000,
        });
      }
    }
  }

  let state: FinalRequestState;
  if (abort) {
    const { rollbackFailed } = abort;
    // Devices of the waves that never ran: nothing was sent to them.
    const notReached = devices.slice(reached);
    for (let i = 0; i < notReached.length; i += 1000) {
      await records.recordDeviceResults({
        correlationUid,
        results: notReached.slice(i, i + 1000).map((d) => ({
          deviceIdentification: d.deviceIdentification,
          result: 'NOT_OK',
          attempts: 0,
          errorCode: 'ROLLOUT_ABORTED',
          message: 'The rollout was aborted before this device was updated',
        })),
      });
    }
    progress.done += notReached.length;
    progress.failed += notReached.length;
    if (rollbackFailed && failedDevices.length > 0) {
      progress.rolledBack += await switchBack(failedDevices, input.options, correlationUid);
    }
    progress.state = 'ABORTED';
    state = 'CANCELLED';
  } else {
    progress.state = 'COMPLETED';
    state = progress.failed === 0 ? 'OK' : 'NOT_OK';
  }
  progress.pauseReason = null;
  await records.completeRequest({ correlationUid, state });
  await notifyRequestFinished({ correlationUid, state, total: progress.total, done: progress.done, ok: progress.ok, failed: progress.failed }, input.options, true);
  return progress;
}

/** One wave: update, wait for the devices to report the new version, record each device's outcome. */
export async function firmwareRolloutWaveWorkflow(input: WaveInput): Promise<WaveResult> {
  const parent = workflowInfo().parent ? getExternalWorkflowHandle(input.rolloutId) : null;
  const progress: WaveProgress = {
    wave: input.wave,
    percent: input.percent,
    size: input.devices.length,
    state: 'UPDATING',
    done: 0,
    ok: 0,
    failed: 0,
    waiting: 0,
    failureRate: null,
  };
  setHandler(waveQuery, () => progress);
  const report = async (): Promise<void> => {
    if (parent) await parent.signal(partProgress, { ...progress, part: input.part ?? 1 });
  };
  const adapters = new Map<Protocol, { retrying: AdapterActivities }>();
  const adapterFor = (protocol: Protocol) => {
    let adapter = adapters.get(protocol);
    if (!adapter) {
      const base = { taskQueue: adapterTaskQueue(protocol), startToCloseTimeout: input.options.attemptTimeoutMs };
      adapter = {
        retrying: proxyActivities<AdapterActivities>({
          ...base,
          retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: input.options.maxAttempts, nonRetryableErrorTypes: [...permanentFailureTypes] },
        }),
      };
      adapters.set(protocol, adapter);
    }
    return adapter;
  };
  const results: DeviceResultRecord[] = [];
  const finish = (result: DeviceResultRecord): void => {
    results.push(result);
    progress.done += 1;
    if (result.result === 'OK') progress.ok += 1;
    else progress.failed += 1;
  };

  // Devices that run the version already are not sent it again.
  const toUpdate: RolloutDeviceRef[] = [];
  for (const device of input.devices) {
    if (device.previousVersion === input.version) {
      finish({ deviceIdentification: device.deviceIdentification, result: 'OK', attempts: 0, message: `runs ${input.version} already`, data: { kind: 'getFirmwareVersion', firmwareVersion: input.version } });
    } else {
      toUpdate.push(device);
    }
  }
  const downloads = new Map(
    toUpdate.length === 0
      ? []
      : (await firmware.firmwareDownloads({ firmwareId: input.firmwareId, deviceIdentifications: toUpdate.map((d) => d.deviceIdentification) })).map((d) => [
          d.deviceIdentification,
          d,
        ]),
  );
  const waiting = new Map<string, { device: RolloutDeviceRef; attempts: number; lastVersion: string | null }>();
  const failedUpdates: RolloutDeviceRef[] = [];
  await inLanes(toUpdate, input.options.maxConcurrency, async (device) => {
    const download = downloads.get(device.deviceIdentification);
    if (!download) throw ApplicationFailure.nonRetryable(`no download URL for ${device.deviceIdentification}`);
    const command: DeviceCommand = { kind: 'updateFirmware', firmwareDomain: download.firmwareDomain, firmwareUrl: download.firmwareUrl };
    const outcome = await attempt(adapterFor(device.protocol).retrying, input.rolloutId, device.deviceIdentification, command, input.options.maxAttempts);
    if (outcome.ok) {
      waiting.set(device.deviceIdentification, { device, attempts: outcome.attempts, lastVersion: null });
    } else {
      failedUpdates.push(device);
      finish({ deviceIdentification: device.deviceIdentification, result: 'NOT_OK', attempts: outcome.attempts, errorCode: outcome.errorCode, message: outcome.message });
    }
  });
  progress.state = 'VERIFYING';
  progress.waiting = waiting.size;
  await report();

  // Until every device reports the new version, or the wave's time is up.
  const deadline = Date.now() + input.waveTimeoutMs;
  while (waiting.size > 0 && Date.now() < deadline) {
    await sleep(Math.min(input.pollIntervalMs, Math.max(1, deadline - Date.now())));
    const reports: FirmwareReport[] = [];
    // One batch activity per protocol and round (one attempt per device): a round of thousands of devices
    // costs a few history events, not three per device.
    const byProtocol = new Map<Protocol, string[]>();
    for (const entry of waiting.values()) byProtocol.set(entry.device.protocol, [...(byProtocol.get(entry.device.protocol) ?? []), entry.device.deviceIdentification]);
    for (const [protocol, deviceIdentifications] of byProtocol) {
      const batch = proxyActivities<BatchAdapterActivities>({
        taskQueue: adapterTaskQueue(protocol),
        startToCloseTimeout: input.options.attemptTimeoutMs * (Math.ceil(deviceIdentifications.length / input.options.maxConcurrency) + 1),
        heartbeatTimeout: 10_000,
        retry: { initialInterval: '1 second', maximumAttempts: 2 },
      });
      let answers;
      try {
        answers = await batch.executeDeviceCommandBatch({
          correlationUid: input.rolloutId,
          deviceIdentifications,
          command: { kind: 'getFirmwareVersion' },
          attempt: 1,
          concurrency: input.options.maxConcurrency,
        });
      } catch (error) {
        // The round is lost (no worker for the adapter): the next round asks again.
        if (error instanceof ActivityFailure) continue;
        throw error;
      }
      for (const answer of answers.results) {
        const entry = waiting.get(answer.deviceIdentification);
        if (!entry || answer.outcome !== 'OK' || answer.response?.kind !== 'getFirmwareVersion') continue;
        const version = answer.response.firmwareVersion;
        entry.lastVersion = version;
        const installed = version === input.version;
        reports.push({ deviceIdentification: entry.device.deviceIdentification, version, source: installed ? 'UPDATE' : 'GET_FIRMWARE_VERSION', atMs: answer.finishedAtMs });
        if (installed) {
          waiting.delete(entry.device.deviceIdentification);
          finish({
            deviceIdentification: entry.device.deviceIdentification,
            result: 'OK',
            attempts: entry.attempts,
            data: { kind: 'getFirmwareVersion', firmwareVersion: version },
            finishedAtMs: answer.finishedAtMs,
          });
        }
      }
    }
    if (reports.length > 0) await firmware.recordFirmwareReports({ reports });
    progress.waiting = waiting.size;
    await report();
  }
  for (const entry of waiting.values()) {
    failedUpdates.push(entry.device);
    finish({
      deviceIdentification: entry.device.deviceIdentification,
      result: 'NOT_OK',
      attempts: entry.attempts,
      errorCode: 'FIRMWARE_VERSION_NOT_REPORTED',
      message: `Did not report ${input.version} within ${Math.round(input.waveTimeoutMs / 1000)} s (last reported: ${entry.lastVersion ?? 'nothing'})`,
    });
  }
  progress.waiting = 0;

  for (let i = 0; i < results.length; i += 500) {
    await records.recordDeviceResults({ correlationUid: input.rolloutId, results: results.slice(i, i + 500) });
  }
  let rolledBack = 0;
  if (input.rollbackFailed && failedUpdates.length > 0) rolledBack = await switchBack(failedUpdates, input.options, input.rolloutId, adapterFor);
  progress.state = 'DONE';
  progress.failureRate = progress.size === 0 ? 0 : progress.failed / progress.size;
  await report();
  return { ok: progress.ok, failed: progress.failed, rolledBack, failedDevices: input.rollbackFailed ? [] : failedUpdates };
}

/** switchFirmware back to the version each device ran before; returns how many took it. */
async function switchBack(
  devices: RolloutDeviceRef[],
  options: DeviceRequestOptions,
  correlationUid: string,
  adapterFor?: (protocol: Protocol) => { retrying: AdapterActivities },
): Promise<number> {
  const proxies = new Map<Protocol, AdapterActivities>();
  const retrying = (protocol: Protocol): AdapterActivities => {
    if (adapterFor) return adapterFor(protocol).retrying;
    let adapter = proxies.get(protocol);
    if (!adapter) {
      adapter = proxyActivities<AdapterActivities>({
        taskQueue: adapterTaskQueue(protocol),
        startToCloseTimeout: options.attemptTimeoutMs,
        retry: { maximumAttempts: options.maxAttempts, nonRetryableErrorTypes: [...permanentFailureTypes] },
      });
      proxies.set(protocol, adapter);
    }
    return adapter;
  };
  let switched = 0;
  const candidates = devices.filter((d): d is RolloutDeviceRef & { previousVersion: string } => d.previousVersion !== null);
  await inLanes(candidates, options.maxConcurrency, async (device) => {
    const outcome = await attempt(retrying(device.protocol), correlationUid, device.deviceIdentification, { kind: 'switchFirmware', newFirmwareVersion: device.previousVersion }, options.maxAttempts);
    if (outcome.ok) switched += 1;
  });
  return switched;
}

type Attempt = { ok: true; attempts: number; version?: string } | { ok: false; attempts: number; errorCode: string; message: string };

async function attempt(adapter: AdapterActivities, correlationUid: string, deviceIdentification: string, command: DeviceCommand, maxAttempts: number): Promise<Attempt> {
  try {
    const outcome = await adapter.executeDeviceCommand({ correlationUid, deviceIdentification, command });
    return {
      ok: true,
      attempts: outcome.attempt,
      ...(outcome.response.kind === 'getFirmwareVersion' ? { version: outcome.response.firmwareVersion } : {}),
    };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as DeviceFailureDetails | undefined;
      return { ok: false, attempts: details?.attempt ?? maxAttempts, errorCode: cause.type ?? 'DEVICE_ERROR', message: cause.message };
    }
    if (cause instanceof TimeoutFailure) return { ok: false, attempts: maxAttempts, errorCode: 'TIMEOUT', message: `No answer (${cause.timeoutType})` };
    return { ok: false, attempts: maxAttempts, errorCode: 'DEVICE_ERROR', message: cause?.message ?? error.message };
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function inLanes<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}
