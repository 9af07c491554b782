import { isAppName } from '@session-tracker/shared';
import type { AppCallOptions } from './types.js';

/** The contract's rule (shared `isAppName`, the server's `tracker.handle` too): 1 to 128 of letters, digits and _ . : / -. */
export function checkAppName(name: unknown, what: string): void {
  if (!isAppName(name)) {
    throw new TypeError(
      `${what}: an app method name is 1 to 128 of letters, digits and _ . : / - (without "app."), got ${JSON.stringify(name)}`,
    );
  }
}

export function checkCallOptions(options: AppCallOptions | undefined, name: string): number | undefined {
  if (options === undefined) return undefined;
  const ms = options.timeoutMs;
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    throw new TypeError(`call("${name}"): timeoutMs must be a positive number of ms, got ${String(ms)}`);
  return ms;
}
