// What every request carries to its workflow: the devices it targets (with their protocol, so each command
// goes to its adapter's task queue) and how its device commands are attempted. Types only: the API, the
// core and the workflows share them.
import type { RelayConfiguration } from '../../common/device-commands';
import type { Protocol } from '../protocols';

export interface DeviceTarget {
  deviceIdentification: string;
  protocol: Protocol;
  /** The device's relays as the platform knows them, for operations whose meaning depends on them (tariff switching). */
  relays?: RelayConfiguration[];
}

export interface DeviceRequestOptions {
  /** Upper bound of one attempt, connect and answer included; a cut-off attempt is retried after it. */
  attemptTimeoutMs: number;
  maxAttempts: number;
  /** Device commands in flight at once for this request. */
  maxConcurrency: number;
  /** How long the organisation's webhook is retried when the request has finished (default 24 h). */
  notificationRetryPeriodMs?: number;
  /**
   * Whether the organisation had a webhook when the request started (decided then, so a request of an
   * organisation without one schedules nothing for it); undefined: asked when the request finishes.
   */
  notify?: boolean;
  /** Accepted now, carried out from this time on (epoch ms). */
  scheduleTimeMs?: number;
  /** Devices not reached by this time end NOT_OK with MAX_SCHEDULE_TIME_EXCEEDED (epoch ms). */
  maxScheduleTimeMs?: number;
}
