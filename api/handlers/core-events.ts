import { initServer } from '@ts-rest/express';
import { coreEventsContract } from '../contracts/core-events';
import type { ApiDeps } from '../context';

const s = initServer();

export function coreEventsHandlers(_deps: ApiDeps) {
  return s.router(coreEventsContract, {});
}
