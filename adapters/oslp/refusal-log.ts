/**
 * A rate-limited sample of refused OSLP frames for the log. Refusals cost nothing but a counter: anyone who
 * can reach the listener can send unauthenticated frames as fast as the network allows, and neither the log
 * nor the database may grow by a line or a row per frame. At most `linesPerWindow` refusals are logged per
 * window; each logged line says how many were left out before it.
 */
export interface RefusalSampleOptions {
  linesPerWindow?: number;
  windowMs?: number;
  now?: () => number;
}

export class RefusalSample {
  private readonly linesPerWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private leftOut = 0;

  constructor(options: RefusalSampleOptions = {}) {
    this.linesPerWindow = options.linesPerWindow ?? 10;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether to log this refusal; when so, how many refusals were left out since the last logged one. */
  take(): { log: true; leftOut: number } | { log: false } {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerWindow) {
      this.leftOut += 1;
      return { log: false };
    }
    this.linesInWindow += 1;
    const leftOut = this.leftOut;
    this.leftOut = 0;
    return { log: true, leftOut };
  }
}
