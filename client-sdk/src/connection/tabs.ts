/**
 * Tabs of one browser share a session through the resume token in `localStorage`. When
 * that session ends while they are away (offline past the session timeout, a server
 * restart), each tab comes back with the dead token and would get a session of its own.
 * Two tools keep them together:
 *
 * - a Web Lock serializes the handshake (read the token, connect, store the welcome's
 *   token): the first tab creates the new session, the next ones read its token and resume;
 * - where locks are missing (or a wait runs too long), `storage` events and `converge()`
 *   pull apart tabs back into one session: first stored wins, and when two tabs stored at
 *   once, the smaller token wins. Every move joins an existing session, so it ends.
 */
import { TimerSlot, type Timers } from '../timers.js';

/**
 * What a tab does with the token it holds, given what the shared storage holds: `store`
 * keeps this session and (re)writes its token, `keep` keeps it and writes nothing,
 * `switch` reconnects with the stored token.
 */
export type Verdict = 'store' | 'keep' | 'switch';

export interface TokenView {
  /** The token of the session this tab is in. */
  mine: string;
  /** The token in the shared storage now. */
  stored: string | null;
  /** A token the server refused (this tab offered it and got a fresh session). */
  dead: string | null;
  /** This tab created its session (got `resumed:false`), rather than resumed it. */
  created: boolean;
  /** This tab already stored `mine` once: a later difference is a race, not a head start. */
  settled: boolean;
  /** Deciding at this tab's welcome, rather than on a change another tab made. */
  atWelcome: boolean;
}

/**
 * A tab meeting another tab's token at its welcome switches to it (that tab stored first);
 * two tabs that both stored resolve by the smaller token, which its creator rewrites and
 * everyone else joins. An empty store, or one holding a token the server refused, is
 * written only at a welcome: on a change it is left alone, so no two tabs can ever take
 * turns rewriting it (writes on a change only ever go towards the smaller token).
 */
export function converge(view: TokenView): Verdict {
  const { mine, stored, dead, created, settled, atWelcome } = view;
  if (stored === mine) return 'store';
  if (stored === null || stored === '' || stored === dead) return atWelcome ? 'store' : 'keep';
  return created && settled && mine < stored ? 'store' : 'switch';
}

/** Serializes connection handshakes across the tabs of one origin. */
export interface ConnectGate {
  /**
   * Calls `go` when this tab may connect (or after `maxWaitMs`, without the lock).
   * Returns `end`: it cancels the wait, or releases the turn once `go` ran.
   */
  acquire(go: () => void, maxWaitMs: number): () => void;
}

interface LockManagerLike {
  request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown>;
}

/** A gate on the Web Locks API, or null where there is none (Node, older browsers, insecure pages). */
export function webLocksGate(name: string, timers: Timers): ConnectGate | null {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as { locks?: LockManagerLike }).locks;
  if (locks === undefined || typeof locks.request !== 'function' || typeof AbortController === 'undefined') return null;
  return {
    acquire(go, maxWaitMs) {
      let phase: 'waiting' | 'running' | 'ended' = 'waiting';
      let release = (): void => undefined;
      const abort = new AbortController();
      const timer = new TimerSlot(timers);
      const run = (): void => {
        phase = 'running';
        timer.clear();
        go();
      };
      // Whoever holds the lock is bounded by its connect timeout; still, never wait for ever.
      timer.set(() => {
        if (phase !== 'waiting') return;
        abort.abort();
        run();
      }, maxWaitMs);
      const granted = (): Promise<void> | undefined => {
        if (phase !== 'waiting') return undefined; // cancelled or timed out: hand it straight back
        return new Promise<void>((resolve) => {
          release = resolve;
          run();
        });
      };
      // A refused request (an opaque origin, say) must not hold the connect up: go without.
      const refused = (): void => {
        if (phase === 'waiting') run();
      };
      try {
        locks.request(name, { signal: abort.signal }, granted).catch(refused);
      } catch {
        refused();
      }
      return () => {
        if (phase === 'waiting') abort.abort();
        phase = 'ended';
        timer.clear();
        release();
      };
    },
  };
}

/** Calls `onChange` when another tab changes `key` in `localStorage`; null outside a browser. */
export function watchStorageKey(key: string, onChange: () => void): (() => void) | null {
  if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return null;
  const listener = (event: StorageEvent): void => {
    if (event.key === key || event.key === null) onChange(); // null: storage.clear()
  };
  window.addEventListener('storage', listener);
  return () => window.removeEventListener('storage', listener);
}

/** True when `storage` is this page's `localStorage`, the one other tabs see. */
export function isSharedStorage(storage: unknown): boolean {
  try {
    return typeof window !== 'undefined' && storage === window.localStorage;
  } catch {
    return false;
  }
}
