// The one way the CLI talks to the platform: the typed ts-rest client (api/client), with the platform's
// answers turned into exit codes (an error answer or no answer: API error) and its rate limit waited out.
import { createPlatformClient, type PlatformClient } from '../../api/client';
import { apiError } from './exit-codes';
import type { Profile } from './profile';

export type { PlatformClient } from '../../api/client';

export function clientFor(profile: Profile): PlatformClient {
  return createPlatformClient({ baseUrl: profile.url, apiKey: profile.apiKey });
}

interface AnyResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** How many times one call waits out a 429 before it gives up. */
const MAX_RATE_LIMITED_RETRIES = 30;

/** Retry-After in seconds (what the API sends) as milliseconds; one second when missing or not a number. */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

export function errorMessageOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const { error, message, issues } = body as { error?: unknown; message?: unknown; issues?: Array<{ field: string; message: string }> };
    if (typeof message === 'string') {
      const fields = Array.isArray(issues) && issues.length && !message.includes(issues[0].field) ? ` (${issues.map((i) => `${i.field}: ${i.message}`).join('; ')})` : '';
      return `${typeof error === 'string' ? `${error}: ` : ''}${message}${fields}`;
    }
  }
  return JSON.stringify(body);
}

/**
 * Calls the platform and returns the body of the expected status; anything else ends the command with the
 * API exit code and the platform's message. A 429 waits for its Retry-After and calls again.
 */
export async function expectStatus<R extends AnyResponse, S extends R['status']>(
  what: string,
  call: () => Promise<R>,
  status: S,
): Promise<Extract<R, { status: S }>['body']> {
  for (let retries = 0; ; retries += 1) {
    let response: R;
    try {
      response = await call();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw apiError(`${what}: the platform did not answer (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
    if (response.status === status) return response.body as Extract<R, { status: S }>['body'];
    if (response.status === 429 && retries < MAX_RATE_LIMITED_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.headers.get('retry-after'))));
      continue;
    }
    throw apiError(`${what}: ${response.status} ${errorMessageOf(response.body)}`);
  }
}
