/**
 * Where the Temporal server binaries are, for code that starts them (tests, local tooling).
 *
 * The Temporal servers are not on npm. The TypeScript SDK downloads them at run time from Temporal's own
 * site, which works on a machine with internet and is the default here. Machines without internet build
 * or resolve them once with `scripts/install-tools.sh` into a cache directory, or name them explicitly:
 *
 *   TEMPORAL_CLI_PATH          Temporal CLI (`temporal server start-dev`, dev server + Web UI)
 *   TEMPORAL_TEST_SERVER_PATH  time-skipping test server executable (`<path> <port> [--enable-time-skipping]`)
 *   OSGP_TOOLS_DIR             the cache directory of install-tools.sh (default ~/.cache/osgp-tools)
 *
 * Only types are imported from @temporalio/testing (a dev dependency), so this module loads without it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalTestWorkflowEnvironmentOptions, TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';

/** `server` options of `TestWorkflowEnvironment.createTimeSkipping`. */
export type TimeSkippingServerOptions = NonNullable<TimeSkippingTestWorkflowEnvironmentOptions['server']>;
/** `server` options of `TestWorkflowEnvironment.createLocal`. */
export type DevServerOptions = NonNullable<LocalTestWorkflowEnvironmentOptions['server']>;

/** The cache directory scripts/install-tools.sh installs into. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OSGP_TOOLS_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(os.homedir(), '.cache', 'osgp-tools');
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function resolveBinary(envVar: string, cacheName: string, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env[envVar]?.trim();
  if (explicit) {
    const file = path.resolve(explicit);
    // A wrong explicit path is a configuration error: falling back to a download would hide it.
    if (!isExecutableFile(file)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return file;
  }
  const cached = path.join(toolsDir(env), 'bin', cacheName);
  return isExecutableFile(cached) ? cached : undefined;
}

/**
 * The Temporal CLI to run: TEMPORAL_CLI_PATH, else the install-tools.sh cache, else `undefined`
 * (meaning: let the SDK download it). Throws when TEMPORAL_CLI_PATH names no executable file.
 */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return resolveBinary('TEMPORAL_CLI_PATH', 'temporal', env);
}

/**
 * The time-skipping test server to run: TEMPORAL_TEST_SERVER_PATH, else the install-tools.sh cache, else
 * `undefined` (meaning: let the SDK download it). Throws when TEMPORAL_TEST_SERVER_PATH names no executable file.
 */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return resolveBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env);
}

/**
 * `server` options for `TestWorkflowEnvironment.createTimeSkipping({ server })`: `base` plus the local test
 * server binary when one is configured. Returns `base` unchanged (`undefined` when not given) when none is, so
 * that the SDK downloads its own. The SDK runs the binary as `<path> <port> ...extraArgs`.
 */
export function timeSkippingServerOptions(
  base?: Omit<TimeSkippingServerOptions, 'executable'>,
  env: NodeJS.ProcessEnv = process.env,
): TimeSkippingServerOptions | undefined {
  const file = resolveTestServer(env);
  if (!file) return base;
  return { ...base, executable: { type: 'existing-path', path: file } };
}

/**
 * `server` options for `TestWorkflowEnvironment.createLocal({ server })`: `base` plus the local Temporal CLI
 * when one is configured. Returns `base` unchanged (`undefined` when not given) when none is, so that the SDK
 * downloads its own. The SDK runs the binary as `<path> server start-dev --port <free> --namespace <ns> --ip <ip>
 * --log-format <f> --log-level <l> --dynamic-config-value ... [--db-filename f] (--ui-port <p> | --headless)
 * ...(--search-attribute Name=Type from `searchAttributes`) ...extraArgs`.
 */
export function devServerOptions(
  base?: Omit<DevServerOptions, 'executable'>,
  env: NodeJS.ProcessEnv = process.env,
): DevServerOptions | undefined {
  const file = resolveTemporalCli(env);
  if (!file) return base;
  return { ...base, executable: { type: 'existing-path', path: file } };
}
