/**
 * The views: live sessions, History and Events, chosen with the nav links and kept in the
 * URL hash (`#history`, `#events`), so a reload or a shared link opens the same view. The
 * History panel is made the first time it is shown.
 */
import { byId } from './dom.js';
import { HistoryPanel, type HistoryApi } from './history.js';
import { VIEWS, hashOf, viewFromHash, type View } from './history-model.js';
import type { TimelineSubject } from './timeline.js';

const TITLES: Record<View, string> = { sessions: 'Sessions', history: 'History', events: 'Events' };

export class Views {
  private view: View = 'sessions';
  private readonly live = byId('live-panel');
  private readonly root = byId('history-panel');
  private panel: HistoryPanel | null = null;

  constructor(private readonly api: HistoryApi) {
    window.addEventListener('hashchange', () => this.setView(viewFromHash(location.hash), true));
    this.setView(viewFromHash(location.hash), false);
  }

  private get history(): HistoryPanel {
    this.panel ??= new HistoryPanel(this.api, this.root);
    return this.panel;
  }

  /** Signed in: the view the hash names is shown and read (again). */
  signedIn(): void {
    this.panel?.invalidate();
    this.setView(viewFromHash(location.hash), false);
    if (this.view !== 'sessions') byId('history-heading').focus({ preventScroll: true });
  }

  /** Signed out: nothing of the history stays on the page. */
  signedOut(): void {
    this.panel?.signedOut();
  }

  /** The timeline of a session, in the History view (from the live details panel). */
  openTimeline(subject: TimelineSubject): void {
    if (this.view === 'sessions') {
      location.hash = hashOf('history');
      // Now rather than on `hashchange`, so the panel exists; that event then changes nothing.
      this.setView('history', false);
    }
    this.history.openTimeline(subject);
  }

  private setView(view: View, focus: boolean): void {
    const changed = view !== this.view;
    this.view = view;
    for (const v of VIEWS) {
      const link = byId(`nav-${v}`);
      if (v === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    this.live.hidden = view !== 'sessions';
    this.root.hidden = view === 'sessions';
    document.title = `${TITLES[view]} · session-tracker admin`;
    if (view === 'sessions') {
      if (focus && changed) byId('sessions-heading').focus({ preventScroll: true });
      return;
    }
    this.history.show(view, focus && changed);
  }
}
