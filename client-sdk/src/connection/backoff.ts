/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the n-th retry waits a uniformly random time in [0, min(maxMs, initialMs * 2^n)).
 */
export interface BackoffOptions {
  /** The ceiling of the first delay. Default 500 ms. */
  initialMs: number;
  /** The largest ceiling. Default 20 000 ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 500, maxMs: 20_000 };

export function validateBackoff(options: BackoffOptions): BackoffOptions {
  const { initialMs, maxMs } = options;
  if (!Number.isFinite(initialMs) || initialMs < 0) throw new RangeError('backoff.initialMs must be a finite number >= 0');
  if (!Number.isFinite(maxMs) || maxMs < initialMs) throw new RangeError('backoff.maxMs must be a finite number >= initialMs');
  return { initialMs, maxMs };
}

/** The ceiling of the delay before retry number `attempt` (0-based). */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exp = options.initialMs * 2 ** Math.max(0, attempt);
  return Math.min(options.maxMs, Number.isFinite(exp) ? exp : options.maxMs);
}

/** A delay in [0, ceiling), as an integer number of ms. */
export function fullJitterDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, options));
}

export class Backoff {
  private attemptCount = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** How many delays were taken since the last reset. */
  get attempts(): number {
    return this.attemptCount;
  }

  /** The next delay; each call raises the ceiling until it reaches `maxMs`. */
  next(): number {
    const delay = fullJitterDelay(this.attemptCount, this.options, this.random);
    this.attemptCount++;
    return delay;
  }

  reset(): void {
    this.attemptCount = 0;
  }
}
