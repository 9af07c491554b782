/**
 * The timeline panel: every event of one session (`sessions.events` with `sessionId`),
 * newest first, a page at a time. It opens from an ended session in the History view, an
 * event in the list of everyone, or the live details panel's "Timeline" button; it docks
 * beside the list on wide screens and slides over it on narrower ones, like the details.
 */
import type { HistoryEvent } from '@session-tracker/shared';
import { h, setText } from './dom.js';
import { renderEvents } from './events.js';
import { Pager } from './pager.js';

/** Who the timeline is of: the ID, and what is known to title it. */
export interface TimelineSubject {
  id: string;
  username?: string;
  project?: string;
  /** e.g. "ended 12:03:04, timed out" or "live". */
  note?: string;
}

export interface TimelineOptions {
  fetch(sessionId: string, cursor: string | null): Promise<{ events: HistoryEvent[]; next: string | null }>;
  errorText(err: unknown): string;
  onClose(): void;
}

export class TimelineView {
  private subject: TimelineSubject | null = null;
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly pager: Pager<HistoryEvent>;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: TimelineOptions,
  ) {
    this.title = h('h2', { id: 'timeline-title', tabindex: -1 }, 'Timeline');
    this.subtitle = h('p', { class: 'details-sub' });
    const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close the timeline' }, '×');
    close.addEventListener('click', () => options.onClose());
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.defaultPrevented) {
        ev.preventDefault();
        options.onClose();
      }
    });
    this.list = h('ol', { id: 'timeline-events', class: 'event-list is-timeline', 'aria-labelledby': 'timeline-title' });
    const state = h('p', { id: 'timeline-state', class: 'list-state', role: 'status' });
    const more = h('button', { id: 'timeline-more', type: 'button', class: 'btn' }, 'Load more');
    this.pager = new Pager<HistoryEvent>({
      state,
      more,
      render: (items, append) => renderEvents(this.list, items, append, { withSession: false }),
      emptyText: () => 'No events recorded for this session',
      errorText: (err) => options.errorText(err),
    });
    root.replaceChildren(
      h('div', { class: 'details-head' }, h('div', {}, this.title, this.subtitle), close),
      h('p', { class: 'hint' }, 'Newest first. Admin actions are listed on the timeline of the admin who made them.'),
      this.list,
      state,
      h('div', { class: 'load-more' }, more),
    );
  }

  get sessionId(): string | null {
    return this.subject?.id ?? null;
  }

  show(subject: TimelineSubject): void {
    this.subject = subject;
    this.root.hidden = false;
    setText(this.title, subject.username ? `Timeline of ${subject.username}` : 'Timeline');
    setText(this.subtitle, [subject.project, subject.note, subject.id].filter((p) => p !== undefined && p !== '').join(' · '));
    void this.pager.start(async (cursor) => {
      const page = await this.options.fetch(subject.id, cursor);
      return { items: page.events, next: page.next };
    });
    this.title.focus({ preventScroll: true });
  }

  /** Reads the timeline again (e.g. back in the view: a live session goes on). */
  refresh(): void {
    if (this.subject !== null) this.show(this.subject);
  }

  hide(): void {
    this.subject = null;
    this.root.hidden = true;
    this.pager.clear();
  }
}
