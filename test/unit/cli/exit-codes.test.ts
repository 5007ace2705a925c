import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expectStatus, retryAfterMs } from '../../../cli/osgp/api';
import { CliError, ExitCode } from '../../../cli/osgp/exit-codes';
import { runCli } from '../../../cli/osgp/index';
import { profileFile, resolveProfile, saveProfile } from '../../../cli/osgp/profile';

let configDir: string;
let stderr: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-config-'));
  process.env = { ...savedEnv, OSGP_CONFIG_DIR: configDir };
  delete process.env.OSGP_URL;
  delete process.env.OSGP_API_KEY;
  delete process.env.OSGP_PROFILE;
  stderr = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('exit codes of the CLI', () => {
  test('help is 0; unknown commands, options and bad values are usage errors (2) and send nothing', async () => {
    expect(await runCli(['--help'])).toBe(ExitCode.OK);
    expect(await runCli(['devices', 'import', '--help'])).toBe(ExitCode.OK);
    expect(await runCli(['bogus'])).toBe(ExitCode.USAGE);
    expect(await runCli(['devices', 'list', '--limit', 'many'])).toBe(ExitCode.USAGE);
    expect(await runCli(['light', 'set', '--on', '--off', '--group', 'g'])).toBe(ExitCode.USAGE);
    expect(await runCli(['light', 'set', '--on'])).toBe(ExitCode.USAGE);
    expect(stderr).toMatch(/give either --group NAME or --devices/);
    expect(await runCli(['light', 'set', '--off', '--dim', '50', '--group', 'g'])).toBe(ExitCode.USAGE);
    expect(await runCli(['devices', 'import', path.join(configDir, 'missing.csv'), '--url', 'http://x', '--api-key', 'k'])).toBe(ExitCode.USAGE);
    expect(await runCli(['login', '--url', 'not a url', '--api-key', 'k'])).toBe(ExitCode.USAGE);
  });

  test('a command without a profile is a usage error naming the login to run', async () => {
    expect(await runCli(['requests', 'list', '--profile', 'city'])).toBe(ExitCode.USAGE);
    expect(stderr).toContain('osgp login --url URL --api-key KEY --profile city');
  });

  test('a platform that does not answer is an API error (3)', async () => {
    // A port that was just free and has nothing listening.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    expect(await runCli(['requests', 'list', '--url', `http://127.0.0.1:${port}`, '--api-key', 'k'])).toBe(ExitCode.API);
    expect(stderr).toMatch(/did not answer \(ECONNREFUSED\)/);
  });
});

describe('expectStatus', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body, headers: new Headers(headers) });

  test('waits out a 429 for its Retry-After and returns the expected answer', async () => {
    jest.useFakeTimers();
    try {
      const answers = [answer(429, { error: 'RATE_LIMITED', message: 'slow down' }, { 'retry-after': '2' }), answer(200, { ok: true })];
      const call = jest.fn(async () => answers.shift()!);
      const result = expectStatus('test call', call, 200);
      await jest.advanceTimersByTimeAsync(1_999);
      expect(call).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toEqual({ ok: true });
      expect(call).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test("another status ends with the API exit code and the platform's message and field", async () => {
    const refused = expectStatus('core.findDevices', async () => answer(401, { error: 'UNAUTHENTICATED', message: 'Unknown or revoked API key' }), 200);
    await expect(refused).rejects.toEqual(new CliError('core.findDevices: 401 UNAUTHENTICATED: Unknown or revoked API key', ExitCode.API));
    const invalid = expectStatus('x', async () => answer(400, { error: 'VALIDATION_FAILED', message: 'Invalid', issues: [{ field: 'query.limit', message: 'too big' }] }), 200);
    await expect(invalid).rejects.toThrow('x: 400 VALIDATION_FAILED: Invalid (query.limit: too big)');
  });

  test('Retry-After in seconds, one second when missing', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null)).toBe(1000);
    expect(retryAfterMs('soon')).toBe(1000);
  });
});

describe('profiles', () => {
  test('are stored readable by the user alone, one per name; --url/--api-key override them', () => {
    saveProfile('default', { url: 'http://a:3000', apiKey: 'key-a' });
    saveProfile('city', { url: 'http://b:3000', apiKey: 'key-b' });
    expect(fs.statSync(profileFile()).mode & 0o777).toBe(0o600);
    expect(fs.statSync(configDir).isDirectory()).toBe(true);
    expect(resolveProfile({})).toEqual({ url: 'http://a:3000', apiKey: 'key-a' });
    expect(resolveProfile({ profile: 'city' })).toEqual({ url: 'http://b:3000', apiKey: 'key-b' });
    expect(resolveProfile({ profile: 'city', apiKey: 'other' })).toEqual({ url: 'http://b:3000', apiKey: 'other' });
    expect(() => resolveProfile({ profile: 'nope' })).toThrow(/no profile "nope"/);
  });
});
