/**
 * The banner over the dashboard while it is not live: since when (announced once), how
 * long (ticks every second, not announced), and what the connection is doing. The whole
 * view gets `is-stale`, which the stylesheet dims.
 */
import { setText } from './dom.js';
import { staleTexts } from './liveness.js';

export class StaleBanner {
  private lostAt: number | null = null;

  constructor(
    private readonly view: HTMLElement,
    private readonly banner: HTMLElement,
    private readonly since: HTMLElement,
    private readonly elapsed: HTMLElement,
    private readonly status: HTMLElement,
  ) {}

  /** Shows the banner for a loss at `lostAt` (epoch ms), or hides it (null). */
  set(lostAt: number | null, now = Date.now()): void {
    this.lostAt = lostAt;
    this.view.classList.toggle('is-stale', lostAt !== null);
    this.banner.hidden = lostAt === null;
    if (lostAt !== null) {
      setText(this.since, staleTexts(lostAt, now).since);
      this.tick(now);
    }
  }

  /** What the connection is doing now (e.g. "Reconnecting…"). */
  setStatus(text: string): void {
    setText(this.status, text);
  }

  tick(now = Date.now()): void {
    if (this.lostAt !== null) setText(this.elapsed, `(${staleTexts(this.lostAt, now).elapsed})`);
  }
}
