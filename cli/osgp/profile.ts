// Profiles: the platform URL and API key `osgp login` stores, one per name, in a file only the user can read
// (mode 0600 in a 0700 directory): $OSGP_CONFIG_DIR, else $XDG_CONFIG_HOME/osgp, else ~/.config/osgp.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usageError } from './exit-codes';

export interface Profile {
  url: string;
  apiKey: string;
}

interface ProfileFile {
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';

export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OSGP_CONFIG_DIR) return env.OSGP_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'osgp');
}

export function profileFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDirectory(env), 'profiles.json');
}

function readProfiles(file: string): ProfileFile {
  if (!fs.existsSync(file)) return { profiles: {} };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProfileFile>;
  return { profiles: parsed.profiles ?? {} };
}

export function saveProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const file = profileFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const content = readProfiles(file);
  content.profiles[name] = profile;
  // Written to a private temporary file and renamed, so the key is never readable by others, not even briefly.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
  return file;
}

/**
 * The profile a command uses: --url/--api-key (or OSGP_URL/OSGP_API_KEY) override the stored profile's
 * fields, so a script can run without `osgp login`.
 */
export function resolveProfile(
  options: { profile?: string; url?: string; apiKey?: string },
  env: NodeJS.ProcessEnv = process.env,
): Profile {
  const name = options.profile || env.OSGP_PROFILE || DEFAULT_PROFILE;
  const stored = readProfiles(profileFile(env)).profiles[name];
  const url = options.url || env.OSGP_URL || stored?.url;
  const apiKey = options.apiKey || env.OSGP_API_KEY || stored?.apiKey;
  if (!url || !apiKey) {
    throw usageError(
      stored
        ? `profile "${name}" in ${profileFile(env)} lacks ${url ? 'an API key' : 'a URL'}`
        : `no profile "${name}" in ${profileFile(env)}: run "osgp login --url URL --api-key KEY${name === DEFAULT_PROFILE ? '' : ` --profile ${name}`}" first`,
    );
  }
  return { url: url.replace(/\/+$/, ''), apiKey };
}
