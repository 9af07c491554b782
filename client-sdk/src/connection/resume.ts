import { RESUME_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '@session-tracker/shared';
import type { SafeStore } from '../storage.js';
import { converge, type Verdict } from './tabs.js';

/**
 * A token can ride in `Sec-WebSocket-Protocol` only if it is an RFC 7230 token (browsers
 * throw a SyntaxError otherwise); the server reads at most 256 characters of it.
 */
const TOKEN_CHARS = /^[-!#$%&'*+.^_`|~0-9A-Za-z]{1,256}$/;

/** The subprotocols of one attempt: ours, and the resume token when there is a usable one. */
export function connectProtocols(resumeToken: string | null): string[] {
  return resumeToken !== null && TOKEN_CHARS.test(resumeToken) ? [SUBPROTOCOL, RESUME_SUBPROTOCOL_PREFIX + resumeToken] : [SUBPROTOCOL];
}

/**
 * The stored resume token and what this client knows about it: the token it offered on
 * the current attempt, one the server refused, the session it created, the session whose
 * token it stored. `welcomed()` and `recheck()` apply `converge()` and write the token when
 * this session is the one to keep.
 */
export class ResumeToken {
  private offered: string | null = null;
  private dead: string | null = null;
  private createdSession: string | null = null;
  private storedSession: string | null = null;

  constructor(
    private readonly store: SafeStore,
    private readonly key: string,
  ) {}

  /** Reads the token for a new attempt and remembers it as offered. */
  offer(): string | null {
    const token = this.store.get(this.key);
    this.offered = token === '' ? null : token;
    return this.offered;
  }

  /** A welcome arrived: `store` (its token is now the stored one) or `switch` (join the stored one). */
  welcomed(sessionId: string, token: string, resumed: boolean): Verdict {
    if (!resumed) {
      if (this.offered !== null && this.offered !== token) this.dead = this.offered;
      this.createdSession = sessionId;
    }
    return this.decide(sessionId, token, true);
  }

  /**
   * The stored token changed under a connected client (another tab). A removed token is
   * left removed: that is a 4000 close reaching another tab first, or the app clearing it.
   */
  recheck(sessionId: string, token: string): Verdict {
    return this.decide(sessionId, token, false);
  }

  /** The session ended for good (4000): its token resumes nothing. */
  forget(): void {
    this.store.remove(this.key);
  }

  private decide(sessionId: string, token: string, atWelcome: boolean): Verdict {
    const stored = this.store.get(this.key);
    const verdict = converge({
      mine: token,
      stored,
      dead: this.dead,
      created: this.createdSession === sessionId,
      settled: this.storedSession === sessionId,
      atWelcome,
    });
    if (verdict === 'store') {
      // An equal write would change nothing (browsers fire no storage event for it either).
      if (stored !== token) this.store.set(this.key, token);
      this.storedSession = sessionId;
    }
    return verdict;
  }
}
