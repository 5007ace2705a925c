// The console's only way to the platform: the typed client of the API's own contracts (api/client.ts),
// bundled into the page, with the operator's API key as Bearer token. Refusals become ApiProblem with the
// platform's message, so views show what went wrong and never a stack trace.
import { createPlatformClient, type PlatformClient } from '../../api/client';

export type { PlatformClient };

export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

const keyStorage = 'osgp.console.apiKey';

export function storedApiKey(): string | null {
  return sessionStorage.getItem(keyStorage);
}

export function storeApiKey(apiKey: string | null): void {
  if (apiKey === null) sessionStorage.removeItem(keyStorage);
  else sessionStorage.setItem(keyStorage, apiKey);
}

export function connect(apiKey: string): PlatformClient {
  return createPlatformClient({ baseUrl: window.location.origin, apiKey });
}

interface Answer {
  status: number;
  body: unknown;
}

function messageOf(answer: Answer): string {
  const body = answer.body as { message?: unknown; issues?: Array<{ field: string; message: string }> } | null;
  const message = typeof body?.message === 'string' ? body.message : `the platform answered HTTP ${answer.status}`;
  if (answer.status === 401) return `Not logged in: ${message}`;
  if (answer.status === 403) return `Not allowed: ${message}`;
  if (answer.status === 429) return `Too many requests; try again in a moment (${message})`;
  if (answer.status >= 500) return `The platform could not do this now: ${message}`;
  return message;
}

/** Awaits a client call and returns the body of the expected status, or throws ApiProblem saying why not. */
export async function call<R extends Answer, S extends R['status']>(request: Promise<R>, status: S): Promise<Extract<R, { status: S }>['body']> {
  let answer: R;
  try {
    answer = await request;
  } catch {
    throw new ApiProblem('The platform did not answer (is it running, and is this the right address?)', null);
  }
  if (answer.status !== status) throw new ApiProblem(messageOf(answer), answer.status);
  return answer.body as Extract<R, { status: S }>['body'];
}

export function problemText(error: unknown): string {
  if (error instanceof ApiProblem) return error.message;
  return 'Something went wrong in the console; reload the page to try again.';
}

export interface ConsoleConfig {
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('/console/config.json');
    if (response.ok) return (await response.json()) as ConsoleConfig;
  } catch {
    // no config: no links to the Temporal Web UI
  }
  return { temporalUiUrl: null, temporalNamespace: 'default' };
}

export function temporalWorkflowUrl(config: ConsoleConfig, correlationUid: string): string | null {
  if (!config.temporalUiUrl) return null;
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(correlationUid)}`;
}
