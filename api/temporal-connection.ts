// The API's connection to Temporal answers within a bound. The SDK's default retries an unavailable server
// ten times with backoff (about 20 s) and waits without limit on one that accepts connections but never
// answers, so a request start (or /health) with Temporal down made the caller wait that long for its 503.
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * Gives every call a deadline `timeoutMs` from its start (or the caller's own, if sooner) and retries
 * transient failures as the SDK does, but never past that deadline.
 */
export function boundedTemporalCalls(timeoutMs: number): GrpcInterceptor {
  const sdkRetries = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const own = Date.now() + timeoutMs;
    const given = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
    const deadline = given === undefined ? own : Math.min(own, given);
    const retries = makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => Date.now() < deadline && sdkRetries.retryableDecider(attempt, status),
      // An attempt started at the deadline fails at once with DEADLINE_EXCEEDED, which is not retried.
      delayFunction: (attempt, status) => Math.max(0, Math.min(sdkRetries.delayFunction(attempt, status), deadline - Date.now())),
    });
    return retries({ ...options, deadline }, nextCall);
  };
}

/** Connection options for the API's Temporal client: each call bounded by `timeoutMs`. */
export function apiTemporalConnectionOptions(address: string, timeoutMs: number): ConnectionOptions {
  return { address, interceptors: [boundedTemporalCalls(timeoutMs)] };
}
