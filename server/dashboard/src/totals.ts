/**
 * The summary line: sessions, connected, users and pages over every session the filters
 * match (the server counts them: live.ts). Not live, "connected" cannot be vouched for and
 * shows "?"; the others are "as of" the time of loss.
 */
import { byId, setText } from './dom.js';
import { formatCount, formatTime } from './format.js';
import type { LiveTotals } from './live.js';

export class TotalsView {
  private readonly list = byId('totals');
  private readonly sessions = byId('total-sessions');
  private readonly connected = byId('total-connected');
  private readonly users = byId('total-users');
  private readonly pages = byId('total-pages');
  private last: LiveTotals | null = null;
  private lostAt: number | null = null;

  /** Counts arrived (null: signed out, nothing to show). */
  set(totals: LiveTotals | null): void {
    this.last = totals;
    this.render();
  }

  /** Epoch ms the live view was lost, or null while live. */
  setStale(lostAt: number | null): void {
    this.lostAt = lostAt;
    this.render();
  }

  get known(): boolean {
    return this.last !== null;
  }

  private render(): void {
    const t = this.last;
    if (t === null) return;
    const lostAt = this.lostAt;
    const connected = formatCount(t.connected);
    this.list.classList.toggle('is-stale', lostAt !== null);
    setText(this.sessions, formatCount(t.sessions));
    setText(this.connected, lostAt === null ? connected : '?');
    setText(this.users, formatCount(t.users));
    setText(this.pages, formatCount(t.pages));
    this.list.title = lostAt === null ? '' : `Last known at ${formatTime(lostAt)}: ${connected} connected`;
  }
}
