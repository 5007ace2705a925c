/**
 * A fleet of simulated OSLP devices behind ONE TCP server: thousands of devices need no thousands
 * of ports. The server reads one request frame per connection and hands it to the device named by
 * the envelope's uid; frames for unknown uids, and garbage, are closed without answer.
 */
import { createHash, type KeyObject } from 'node:crypto';
import net from 'node:net';
import { buildDeviceUid, decodeEnvelope, readFrame } from '../../adapters/oslp';
import { SimulatedOslpDevice, type DeviceAction, type PlatformEndpoint, type SilenceMode } from './simulated-device';

export interface OslpSimulatorFleetOptions {
  count: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Devices verify every request with it. */
  platformPublicKey: KeyObject;
  /** The platform's OSLP listener, for register() and sendEvent(). */
  platform?: PlatformEndpoint;
  identificationPrefix?: string;
  /** Number of the first device's identification; default 1. */
  firstDeviceNumber?: number;
  /** Manufacturer id in the first two bytes of every uid; default 0x5349 ("SI"). */
  manufacturerId?: number;
  /** Address the devices announce in RegisterDevice; default the host, or 127.0.0.1 for a wildcard. */
  advertisedAddress?: string;
  /** How long the server waits for a complete request frame. Default 30 s. */
  readTimeoutMs?: number;
  /** The firmware version every device runs at first (default R01), and how long it restarts after an update. */
  firmwareVersion?: string;
  firmwareRestartMs?: number;
}

export interface RegistrationSummary {
  registered: number;
  failed: Array<{ identification: string; error: string }>;
}

export interface RegisterAllOptions {
  concurrency?: number;
  /** Leave devices that registered before alone, e.g. when retrying the ones the platform did not know yet. */
  skipRegistered?: boolean;
  /** Only these devices (e.g. the ones this run added); default all. */
  only?: ReadonlySet<string>;
}

export interface OslpSimulatorFleet {
  devices: SimulatedOslpDevice[];
  host: string;
  port: number;
  deviceByIdentification(identification: string): SimulatedOslpDevice | undefined;
  /** Makes these devices stop answering and calling in (see SimulatedOslpDevice.goSilent); unknown ones throw. */
  goSilent(identifications: readonly string[], mode?: SilenceMode): void;
  /** Brings silent devices back. */
  resume(identifications: readonly string[]): void;
  /** Registers the devices, `concurrency` at a time (default 50); never throws, reports failures. */
  registerAll(options?: RegisterAllOptions): Promise<RegistrationSummary>;
  close(): Promise<void>;
}

const DEFAULT_MANUFACTURER_ID = 0x5349;
const MIN_IDENTIFICATION_DIGITS = 6;

/**
 * A device's uid from a hash of its identification: runs with other prefixes or numbers never reuse a uid
 * the platform already knows for another device (uids from the number alone did, and such a device could
 * never register). The same identification keeps its uid, so re-running a fleet finds its devices again.
 */
export function simulatedDeviceUid(identification: string, manufacturerId = DEFAULT_MANUFACTURER_ID): Buffer {
  const digest = createHash('sha256').update(identification).digest();
  return buildDeviceUid(manufacturerId, BigInt(`0x${digest.subarray(0, 10).toString('hex')}`));
}

function createDevices(options: OslpSimulatorFleetOptions, advertisedAddress: string): SimulatedOslpDevice[] {
  const first = options.firstDeviceNumber ?? 1;
  const prefix = options.identificationPrefix ?? 'SIM-';
  const digits = Math.max(MIN_IDENTIFICATION_DIGITS, String(first + options.count - 1).length);
  return Array.from({ length: options.count }, (_, i) => {
    const identification = `${prefix}${String(first + i).padStart(digits, '0')}`;
    return new SimulatedOslpDevice({
      identification,
      deviceUid: simulatedDeviceUid(identification, options.manufacturerId),
      platformPublicKey: options.platformPublicKey,
      platform: options.platform,
      advertisedAddress,
      ...(options.firmwareVersion !== undefined ? { firmwareVersion: options.firmwareVersion } : {}),
      ...(options.firmwareRestartMs !== undefined ? { firmwareRestartMs: options.firmwareRestartMs } : {}),
    });
  });
}

function carryOut(socket: net.Socket, action: DeviceAction): void {
  if (action.kind === 'close') {
    socket.destroy();
  } else if (action.kind === 'answer') {
    const write = (): void => {
      if (!socket.destroyed) socket.end(action.frame);
    };
    if (action.delayMs > 0) setTimeout(write, action.delayMs).unref();
    else write();
  }
  // 'hang': leave the connection open and silent until the platform gives up or the fleet closes.
}

async function serveConnection(
  socket: net.Socket,
  devicesByUid: ReadonlyMap<string, SimulatedOslpDevice>,
  readTimeoutMs: number,
): Promise<void> {
  try {
    const envelope = decodeEnvelope(await readFrame(socket, { timeoutMs: readTimeoutMs, timeoutCode: 'READ_TIMEOUT' }));
    const device = devicesByUid.get(envelope.deviceUid.toString('hex'));
    carryOut(socket, device ? device.handleRequest(envelope) : { kind: 'close' });
  } catch {
    socket.destroy(); // garbage, truncated or slow: a real device would drop it too
  }
}

async function registerInBatches(devices: SimulatedOslpDevice[], concurrency: number): Promise<RegistrationSummary> {
  const summary: RegistrationSummary = { registered: 0, failed: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < devices.length) {
      const device = devices[next++];
      try {
        await device.register();
        summary.registered += 1;
      } catch (error) {
        summary.failed.push({ identification: device.identification, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, worker));
  return summary;
}

function wildcardToLoopback(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

export async function startOslpSimulatorFleet(options: OslpSimulatorFleetOptions): Promise<OslpSimulatorFleet> {
  if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`count must be a positive integer, got ${options.count}`);
  const host = options.host ?? '127.0.0.1';
  const devices = createDevices(options, options.advertisedAddress ?? wildcardToLoopback(host));
  const devicesByUid = new Map(devices.map((device) => [device.deviceUid.toString('hex'), device]));
  const byIdentification = new Map(devices.map((device) => [device.identification, device]));
  const readTimeoutMs = options.readTimeoutMs ?? 30_000;
  const openSockets = new Set<net.Socket>();
  const known = (identification: string): SimulatedOslpDevice => {
    const device = byIdentification.get(identification);
    if (!device) throw new RangeError(`no simulated device ${identification} in this fleet`);
    return device;
  };

  const server = net.createServer((socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
    socket.on('error', () => {}); // the platform hanging up on a slow or silent device is expected here
    void serveConnection(socket, devicesByUid, readTimeoutMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a mass switch opens hundreds of connections at once.
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    devices,
    host,
    port: (server.address() as net.AddressInfo).port,
    deviceByIdentification: (identification) => byIdentification.get(identification),
    goSilent: (identifications, mode) => identifications.forEach((id) => known(id).goSilent(mode)),
    resume: (identifications) => identifications.forEach((id) => known(id).resume()),
    registerAll: ({ concurrency = 50, skipRegistered = false, only } = {}) =>
      registerInBatches(
        devices.filter((device) => !(skipRegistered && device.state.registered) && (!only || only.has(device.identification))),
        concurrency,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of openSockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
