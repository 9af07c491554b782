/**
 * Whether what the dashboard shows is live. It stops being live the moment the connection
 * leaves `connected` while signed in, and becomes live again only when a fresh window of the
 * list arrives (after a reconnect the SDK connects, the dashboard logs in and reads the list
 * again: until then, rows and totals are still the old ones). Pure, no DOM.
 * Times are epoch ms.
 */
import type { ConnectionState } from '@session-tracker/client';
import { formatDuration, formatTime } from './format.js';

/** A stretch without live updates. */
export interface Gap {
  from: number;
  to: number;
}

export class Liveness {
  private lost: number | null = null;

  /** When the live feed was lost, or null while live. */
  get lostAt(): number | null {
    return this.lost;
  }

  get stale(): boolean {
    return this.lost !== null;
  }

  /**
   * The connection's state changed. True when this makes the view stale (a later change,
   * e.g. `connecting` to `disconnected`, keeps the first time of loss).
   */
  connection(state: ConnectionState, signedIn: boolean, now: number): boolean {
    if (state === 'connected' || !signedIn || this.lost !== null) return false;
    this.lost = now;
    return true;
  }

  /** A fresh window of the list arrived: live again. Returns the gap it closes, if any. */
  feedBack(now: number): Gap | null {
    if (this.lost === null) return null;
    const gap = { from: this.lost, to: now };
    this.lost = null;
    return gap;
  }

  /** Signed out: nothing is shown, so nothing is stale. */
  reset(): void {
    this.lost = null;
  }
}

/** The banner's words: since when (static, announced once) and how long (ticks, not announced). */
export function staleTexts(lostAt: number, now: number): { since: string; elapsed: string } {
  return {
    since: `Not live since ${formatTime(lostAt)}: the connection to the server was lost.`,
    elapsed: `${formatDuration(now - lostAt)} ago`,
  };
}

/**
 * Why the selected session's details stopped: it left the list at `at`, seen live, or with
 * the snapshot that ended a `gap` (then it ended some time during the gap).
 */
export function endedText(at: number, gap: Gap | null): string {
  if (gap === null) {
    return `Ended at ${formatTime(at)}: this session is no longer listed (terminated, timed out, or no longer matching the filters).`;
  }
  return (
    `No longer listed after the reconnection: this session ended between ${formatTime(gap.from)} and ${formatTime(gap.to)}, ` +
    'while this dashboard was not live (or it no longer matches the filters).'
  );
}
