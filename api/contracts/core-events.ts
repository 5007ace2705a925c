// Core, events: device events (OSLP EventNotification) and subscriptions to them. Part of the `core` domain.
import { initContract } from '@ts-rest/core';

const c = initContract();

export const coreEventsContract = c.router({});
