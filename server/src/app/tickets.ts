import { hashToken, newResumeToken } from '../sessions/tokens.js';

/** Tickets alive at once, at most; past it the oldest go first (each is single-use anyway). */
const MAX_TICKETS = 100_000;

interface Held {
  sessionId: string;
  expiresAt: number;
}

/**
 * `session.ticket`: single-use secrets naming a session, for a socket the app accepts on its own
 * server. Only their SHA-256 is kept. Every ticket lives the same time, so the map's insertion
 * order is expiry order and expired ones are swept from the front.
 */
export class Tickets {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(sessionId: string): { ticket: string; expiresInMs: number } {
    const now = this.now();
    this.sweep(now);
    if (this.held.size >= MAX_TICKETS) {
      const oldest = this.held.keys().next();
      if (!oldest.done) this.held.delete(oldest.value);
    }
    const ticket = newResumeToken();
    this.held.set(hashToken(ticket), { sessionId, expiresAt: now + this.ttlMs });
    return { ticket, expiresInMs: this.ttlMs };
  }

  /** The session a ticket names, once: it is gone afterwards. Undefined when unknown, used or expired. */
  take(ticket: string | null | undefined): string | undefined {
    if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > 256) return undefined;
    const key = hashToken(ticket);
    const held = this.held.get(key);
    if (held === undefined) return undefined;
    this.held.delete(key);
    return held.expiresAt > this.now() ? held.sessionId : undefined;
  }

  get size(): number {
    return this.held.size;
  }

  private sweep(now: number): void {
    for (const [key, h] of this.held) {
      if (h.expiresAt > now) return;
      this.held.delete(key);
    }
  }
}
