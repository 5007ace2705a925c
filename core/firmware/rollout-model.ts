// What a firmware rollout's workflow and its steering share: the target, the progress it reports and the
// names of its query and signals. Free of Node imports and of Temporal's workflow package, as both the
// workflow and the client side (core, API) load it.
import type { Protocol } from '../protocols';

export type RolloutTarget = { groupId: string } | { filter: { deviceIdentificationPrefix?: string } } | { deviceIdentifications: string[] };

export type RolloutState = 'RUNNING' | 'PAUSED' | 'ABORTING' | 'COMPLETED' | 'ABORTED';
export type WaveState = 'WAITING' | 'UPDATING' | 'VERIFYING' | 'DONE';

export interface WaveProgress {
  /** 1-based. */
  wave: number;
  percent: number;
  size: number;
  state: WaveState;
  /** Devices whose outcome is known. */
  done: number;
  /** Devices that report the new version. */
  ok: number;
  failed: number;
  /** Devices that took the update and have not reported the new version yet. */
  waiting: number;
  /** failed / size once the wave is done; null before. */
  failureRate: number | null;
}

export interface RolloutProgress {
  state: RolloutState;
  pauseReason: string | null;
  firmwareIdentification: string;
  version: string;
  total: number;
  done: number;
  ok: number;
  failed: number;
  rolledBack: number;
  waves: WaveProgress[];
}

export interface RolloutDeviceRef {
  deviceIdentification: string;
  protocol: Protocol;
  previousVersion: string | null;
}

export const rolloutProgressQueryName = 'rolloutProgress';
export const rolloutProgressQuery = rolloutProgressQueryName;
export const pauseRolloutSignal = 'pauseRollout';
export const resumeRolloutSignal = 'resumeRollout';
export const abortRolloutSignal = 'abortRollout';
/** A wave's part (child workflow) reports its progress to the rollout with this signal. */
export const wavePartProgressSignal = 'wavePartProgress';

/** The id of a rollout's wave: its child workflow, listed under the rollout in the Temporal Web UI. */
export const rolloutWaveWorkflowId = (correlationUid: string, wave: number): string => `${correlationUid}-wave-${wave}`;

/**
 * How many devices each wave takes: the waves' percentages of `total`, cumulated and rounded so the sizes
 * add up; a wave with a share gets at least one device while devices remain, and the last wave takes the rest.
 */
export function waveSizes(total: number, percents: readonly number[]): number[] {
  const sizes: number[] = [];
  let assigned = 0;
  let cumulative = 0;
  for (const [i, percent] of percents.entries()) {
    cumulative += percent;
    const last = i === percents.length - 1;
    let end = last ? total : Math.min(total, Math.round((total * cumulative) / 100));
    if (end <= assigned && percent > 0 && assigned < total) end = assigned + 1;
    sizes.push(end - assigned);
    assigned = end;
  }
  return sizes;
}
