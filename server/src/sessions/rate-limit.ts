/** Token-bucket state, kept inline on the session so the per-message check allocates nothing. */
export interface Bucket {
  tokens: number;
  refilledAt: number;
  /** When the current run of refusals began (0: none); a run ends after a quiet second. */
  limitedSince: number;
  lastRefusedAt: number;
}

/** Refusals less than this far apart belong to one run of abuse, even with a few let through between. */
const QUIET_MS = 1_000;

export interface RateLimit {
  /** Tokens added per second (messages per second, sustained). */
  perSecond: number;
  /** Bucket size (messages in a burst). */
  burst: number;
}

export function newBucket(limit: RateLimit, now: number): Bucket {
  return { tokens: limit.burst, refilledAt: now, limitedSince: 0, lastRefusedAt: 0 };
}

/** Takes one token; false when the bucket is empty (the message is over the limit). */
export function take(bucket: Bucket, limit: RateLimit, now: number): boolean {
  const elapsed = now - bucket.refilledAt;
  if (elapsed > 0) {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.perSecond) / 1000);
    bucket.refilledAt = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  if (bucket.limitedSince === 0 || now - bucket.lastRefusedAt > QUIET_MS) bucket.limitedSince = now;
  bucket.lastRefusedAt = now;
  return false;
}
