/**
 * Starts the Gurux-based DLMS/COSEM meter (test/dlms-meter/src/GuruxMeter.java on gurux.dlms from Maven
 * Central) for a test: `startGuruxMeter(options)` spawns it on a free port, waits until it listens and
 * returns connection settings for adapters/dlms; `stop()` ends it.
 *
 * The meter is installed by scripts/install-dlms-meter.sh (part of `scripts/install-tools.sh all`); when
 * the installed meter is missing or older than GuruxMeter.java, this runs that script first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { toolsDir } from '../../common/temporal-binaries';
import type { DlmsAuthentication, DlmsConnectionSettings, DlmsKeys, DlmsTransport } from '../../adapters/dlms';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = path.join(ROOT, 'test', 'dlms-meter', 'src', 'GuruxMeter.java');
const INSTALL_SCRIPT = path.join(ROOT, 'scripts', 'install-dlms-meter.sh');
const START_TIMEOUT_MS = 30_000;

/** The meter's default suite 0 keys and system title (the Gurux examples' values). */
export const GURUX_METER_KEYS: DlmsKeys = {
  authenticationKey: Buffer.from('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF', 'hex'),
  blockCipherKey: Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex'),
};
export const GURUX_METER_SYSTEM_TITLE = Buffer.from('4758580000000001', 'hex');
/** The meter's default master key (KEK): global_key_transfer on 0.0.43.0.0.255 unwraps new keys with it. */
export const GURUX_METER_MASTER_KEY = Buffer.from('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF', 'hex');

/**
 * The meter's deterministic content (GuruxMeter.java builds the same): register values, and profile
 * buffers whose row i holds clock = start + i * period and values v(i, c) = 1_000_000 + 250 i + 7 c.
 */
export const GURUX_METER_CONTENT = {
  registers: {
    '1.0.1.8.0.255': 123456,
    '1.0.2.8.0.255': 23456,
    '1.0.1.8.1.255': 100000,
    '1.0.1.8.2.255': 23456,
    '1.0.2.8.1.255': 20000,
    '1.0.2.8.2.255': 3456,
  },
  /** Registers: scaler 0, unit 30 (Wh). Gas (extended register, class 4): 45678, scaler -3, unit 13 (m3). */
  gas: { obis: '0.1.24.2.1.255', value: 45678 },
  alarmRegister: { obis: '0.0.97.98.0.255', initial: 3 },
  firmware: { '1.0.0.2.0.255': 'GX-CORE-1.2.3', '1.1.0.2.0.255': 'GX-MOD-2.0.1', '1.2.0.2.0.255': 'GX-COM-3.4.5' },
  /** Columns: clock, 1.0.1.8.0, 1.0.2.8.0; row i values v(i, 0), v(i, 1). */
  interval: { obis: '1.0.99.1.0.255', start: new Date('2026-01-01T00:00:00Z'), periodMinutes: 15, rows: 960 },
  /** Columns: clock, 1.0.1.8.1, 1.0.1.8.2, 1.0.2.8.1, 1.0.2.8.2; row i values v(96 i, c). */
  daily: { obis: '1.0.99.2.0.255', start: new Date('2025-01-01T00:00:00Z'), rows: 400 },
  /** Same columns as daily; row i is the first of month i after the start; values v(2976 i, c). */
  monthly: { obis: '0.0.98.1.0.255', start: new Date('2024-01-01T00:00:00Z'), rows: 36 },
  /** Event logs: clock + event code; row i at start + 6 h * i, code = base + (i % 10). */
  eventLogs: {
    standard: { obis: '0.0.99.98.0.255', code: '0.0.96.11.0.255', base: 1 },
    fraud: { obis: '0.0.99.98.1.255', code: '0.0.96.11.1.255', base: 40 },
    powerQuality: { obis: '0.0.99.97.0.255', code: '0.0.96.11.2.255', base: 80 },
  },
  eventStart: new Date('2026-01-01T00:00:00Z'),
  eventRows: 40,
  value: (i: number, channel: number): number => 1_000_000 + i * 250 + channel * 7,
} as const;

export interface GuruxMeterOptions {
  transport?: DlmsTransport;
  authentication?: DlmsAuthentication;
  /** LLS password (default "12345678" when authentication is LOW). */
  password?: string;
  /** The meter's keys (default GURUX_METER_KEYS). */
  keys?: DlmsKeys;
  systemTitle?: Buffer;
  /** HLS: the master key (KEK) of key transfers (default GURUX_METER_MASTER_KEY). */
  masterKey?: Buffer;
  /** Close the connection once, on the request after the first (unciphered) data block of a GET. */
  dropDuringBlockTransfer?: boolean;
  /** Close the connection once after applying keys of a global key transfer, instead of replying. */
  dropAfterKeyTransfer?: boolean;
}

export interface GuruxMeter {
  host: string;
  port: number;
  /** gurux.dlms version the meter runs. */
  version: string;
  /** Settings an association with this meter needs (public client 16, logical device 1). */
  settings: Partial<DlmsConnectionSettings> & Pick<DlmsConnectionSettings, 'host' | 'port' | 'transport' | 'clientAddress' | 'serverAddress' | 'authentication'>;
  /** Lines the meter printed (e.g. "FAULT ...", "KEYS_REPLACED"). */
  output: string[];
  stop(): Promise<void>;
}

function meterExecutable(): string {
  return path.join(toolsDir(), 'bin', 'gurux-dlms-meter');
}

let installed = false;
/** Runs scripts/install-dlms-meter.sh when the meter is missing or built from another GuruxMeter.java. */
function ensureInstalled(): string {
  const exe = meterExecutable();
  if (installed) return exe;
  const hash = createHash('sha256').update(fs.readFileSync(SOURCE)).digest('hex');
  const current = fs.existsSync(exe) && fs.readFileSync(exe, 'utf8').includes(`source ${hash}`);
  if (!current) execFileSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  installed = true;
  return exe;
}

export async function startGuruxMeter(options: GuruxMeterOptions = {}): Promise<GuruxMeter> {
  const exe = ensureInstalled();
  const host = '127.0.0.1';
  const transport = options.transport ?? 'WRAPPER';
  const authentication = options.authentication ?? 'NONE';
  const password = options.password ?? (authentication === 'LOW' ? '12345678' : undefined);
  const keys = options.keys ?? GURUX_METER_KEYS;
  const args = [
    '--host', host, '--port', '0',
    '--transport', transport === 'HDLC' ? 'hdlc' : 'wrapper',
    '--authentication', authentication === 'HIGH_GMAC' ? 'high-gmac' : authentication.toLowerCase(),
    '--authentication-key', keys.authenticationKey.toString('hex'),
    '--block-cipher-key', keys.blockCipherKey.toString('hex'),
    '--system-title', (options.systemTitle ?? GURUX_METER_SYSTEM_TITLE).toString('hex'),
    '--master-key', (options.masterKey ?? GURUX_METER_MASTER_KEY).toString('hex'),
  ];
  if (password !== undefined) args.push('--password', password);
  if (options.dropDuringBlockTransfer) args.push('--drop-during-block-transfer');
  if (options.dropAfterKeyTransfer) args.push('--drop-after-key-transfer');

  const child: ChildProcess = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const lines = readline.createInterface({ input: child.stdout! });
  let version = 'unknown';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Gurux meter did not listen within ${START_TIMEOUT_MS} ms: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Gurux meter exited with ${code} before listening: ${stderr.join('')}`));
    });
    lines.on('line', (line) => {
      output.push(line);
      const v = /^GURUX_DLMS_VERSION (\S+)/.exec(line);
      if (v) version = v[1]!;
      const m = /^LISTENING (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  child.removeAllListeners('exit');

  const settings: GuruxMeter['settings'] = {
    host,
    port,
    transport,
    clientAddress: 16,
    serverAddress: 1,
    authentication,
    ...(password !== undefined ? { password: Buffer.from(password) } : {}),
    ...(authentication === 'HIGH_GMAC' ? { keys, clientSystemTitle: Buffer.from('4F53470000000001', 'hex') } : {}),
  };
  return {
    host,
    port,
    version,
    settings,
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
