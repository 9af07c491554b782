/**
 * The History and Events views: the ended sessions of a time window (`sessions.history`,
 * newest end first), the events of everyone (`sessions.events`), both a page of PAGE_SIZE
 * at a time, and the timeline of one session. Failures say what went wrong: a -32602 next to the field it
 * names, the other ones (not an admin, no connection) in the list's status line.
 */
import type { EndedSessionInfo, HistoryEvent, RollupMinute } from '@session-tracker/shared';
import { byId, h, setText } from './dom.js';
import { renderEvents } from './events.js';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatExactBytes } from './format.js';
import { HistoryForm } from './history-form.js';
import { PAGE_SIZE, endReasonText, historyErrorField, windowParams } from './history-model.js';
import { Pager } from './pager.js';
import { RollupCharts } from './rollup-chart.js';
import { TimelineView, type TimelineSubject } from './timeline.js';

export interface HistoryQuery {
  from?: number;
  to?: number;
  usernameFilter?: string;
  projectFilter?: string;
  limit?: number;
  cursor?: string;
}

export interface EventsQuery {
  from?: number;
  to?: number;
  sessionId?: string;
  usernameFilter?: string;
  types?: HistoryEvent['type'][];
  limit?: number;
  cursor?: string;
}

/** What the view needs of DashboardApi (api.ts). */
export interface HistoryApi {
  readonly signedIn: boolean;
  readonly connected: boolean;
  history(query: HistoryQuery): Promise<{ sessions: EndedSessionInfo[]; next: string | null }>;
  events(query: EventsQuery): Promise<{ events: HistoryEvent[]; next: string | null }>;
  rollup(query: { from?: number; to?: number; projectFilter?: string }): Promise<{ minutes: RollupMinute[]; truncated: boolean }>;
}

export type HistoryMode = 'history' | 'events';

export class HistoryPanel {
  private view: HistoryMode = 'history';
  private readonly heading: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly workspace: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly form: HistoryForm;
  private readonly ended: Pager<EndedSessionInfo>;
  private readonly events: Pager<HistoryEvent>;
  private readonly timeline: TimelineView;
  private readonly charts = new RollupCharts();
  /** Counts rollup reads, so an answer that comes after a newer search is not drawn. */
  private chartSeq = 0;
  /** The view's lists were read since the sign-in (a view shown again is read again). */
  private loadedFor: HistoryMode | null = null;
  /** The ended sessions shown, by ID (for the row that was chosen). */
  private readonly rows = new Map<string, EndedSessionInfo>();

  /** Fills `root` from the page's #history-template. */
  constructor(
    private readonly api: HistoryApi,
    root: HTMLElement,
  ) {
    root.replaceChildren(byId('history-template', HTMLTemplateElement).content.cloneNode(true));
    this.heading = byId('history-heading');
    this.summary = byId('history-summary');
    this.workspace = byId('history-workspace');
    this.tbody = byId('history-table', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
    byId('ended-wrap').before(this.charts.root);
    this.form = new HistoryForm(byId('history-form', HTMLFormElement), () => this.search());
    // Before the lists: their first (empty) render asks which session the timeline shows.
    this.timeline = new TimelineView(byId('timeline'), {
      fetch: (sessionId, cursor) => this.api.events({ sessionId, limit: PAGE_SIZE, ...(cursor === null ? {} : { cursor }) }),
      errorText: (err) => this.errorText(err) ?? 'The server refused this query.',
      onClose: () => this.closeTimeline(),
    });
    this.ended = new Pager<EndedSessionInfo>({
      state: byId('history-state'),
      more: byId('history-more', HTMLButtonElement),
      render: (items, append) => this.renderEnded(items, append),
      emptyText: () => 'No ended sessions in this window',
      errorText: (err) => this.errorText(err),
      after: (r) =>
        setText(
          byId('history-count'),
          r === null ? '' : `${formatCount(r.count)} session${r.count === 1 ? '' : 's'}${r.more ? ' so far' : ''}`,
        ),
    });
    const eventsList = byId('events-list');
    this.events = new Pager<HistoryEvent>({
      state: byId('events-state'),
      more: byId('events-more', HTMLButtonElement),
      render: (items, append) =>
        renderEvents(eventsList, items, append, { withSession: true, onSession: (e) => this.openTimeline(subjectOf(e)) }),
      emptyText: () => 'No events in this window',
      errorText: (err) => this.errorText(err),
      after: (r) => setText(byId('events-count'), r === null ? '' : `${formatCount(r.count)}${r.more ? ' so far' : ''}`),
    });
    this.tbody.addEventListener('click', (ev) => {
      const tr = (ev.target as Element).closest('tr[data-session-id]');
      const s = tr === null ? undefined : this.rows.get(tr.getAttribute('data-session-id') ?? '');
      if (s) this.openTimeline(endedSubject(s));
    });
  }

  /** A new sign-in: the next show reads the lists again. */
  invalidate(): void {
    this.loadedFor = null;
  }

  /** Signed out: nothing of the history stays on the page. */
  signedOut(): void {
    this.invalidate();
    this.ended.clear();
    this.events.clear();
    this.closeTimeline(false);
    this.form.reset();
    this.chartSeq++;
    this.charts.clear();
    setText(this.summary, '');
  }

  /** The timeline of a session (from the live details panel too). */
  openTimeline(subject: TimelineSubject): void {
    this.workspace.classList.add('has-details');
    for (const tr of this.tbody.rows) tr.classList.toggle('is-selected', tr.dataset.sessionId === subject.id);
    this.timeline.show(subject);
  }

  private closeTimeline(focus = true): void {
    const id = this.timeline.sessionId;
    this.timeline.hide();
    this.workspace.classList.remove('has-details');
    for (const tr of this.tbody.rows) tr.classList.remove('is-selected');
    if (focus && id !== null) {
      const button = this.tbody.querySelector<HTMLElement>(`tr[data-session-id="${CSS.escape(id)}"] button`);
      (button ?? this.heading).focus({ preventScroll: true });
    }
  }

  /** Shows one of the two views; reads its list unless it was read since the sign-in. */
  show(view: HistoryMode, focus: boolean): void {
    this.view = view;
    setText(this.heading, view === 'history' ? 'History' : 'Events');
    byId('ended-wrap').hidden = view !== 'history';
    byId('events-wrap').hidden = view !== 'events';
    this.charts.root.hidden = view !== 'history';
    this.form.setMode(view === 'history' ? 'sessions' : 'events');
    if (focus) this.heading.focus({ preventScroll: true });
    if (this.api.signedIn && this.loadedFor !== view) this.search();
    else if (this.api.signedIn && this.timeline.sessionId !== null) this.timeline.refresh();
  }

  /** Reads the first page of the view's list for the form's values. */
  private search(): void {
    if (!this.api.signedIn) return;
    const values = this.form.values;
    this.form.clearErrors();
    const now = Date.now();
    const window = windowParams(values.window, now);
    const pager = this.view === 'history' ? this.ended : this.events;
    if (!window.ok) {
      this.form.setError(window.field, window.message);
      pager.clear('Fix the time window to search.');
      return;
    }
    if (!this.api.connected) {
      // Said at once, rather than after the SDK's call timeout.
      pager.clear('Not connected to the server: search again once the connection is back.');
      return;
    }
    this.loadedFor = this.view;
    const span = { ...(window.from === undefined ? {} : { from: window.from }), ...(window.to === undefined ? {} : { to: window.to }) };
    const user = values.usernameFilter === '' ? {} : { usernameFilter: values.usernameFilter };
    setText(this.summary, windowSummary(window.from, window.to, now));
    if (this.view === 'history') {
      const project = values.projectFilter === '' ? {} : { projectFilter: values.projectFilter };
      const query: HistoryQuery = { ...span, ...user, ...project, limit: PAGE_SIZE };
      void this.loadCharts(window.from, window.to, now, project);
      void this.ended.start(async (cursor) => {
        const page = await this.api.history(cursor === null ? query : { ...query, cursor });
        return { items: page.sessions, next: page.next };
      });
    } else {
      const query: EventsQuery = { ...span, ...user, ...(values.types.length === 0 ? {} : { types: values.types }), limit: PAGE_SIZE };
      void this.events.start(async (cursor) => {
        const page = await this.api.events(cursor === null ? query : { ...query, cursor });
        return { items: page.events, next: page.next };
      });
    }
  }

  /**
   * The charts of the window: without a start, the 24 hours before its end; a moment
   * ("connected at") shows the hour around it. The username filter does not apply (the rollup is per project).
   */
  private async loadCharts(
    from: number | undefined,
    to: number | undefined,
    now: number,
    project: { projectFilter?: string },
  ): Promise<void> {
    const seq = ++this.chartSeq;
    let end = to ?? now;
    let start = from ?? end - 24 * 3_600_000;
    if (start === end) {
      start -= 1_800_000;
      end = Math.min(now, end + 1_800_000);
    }
    this.charts.clear('loading…');
    try {
      const r = await this.api.rollup({ from: start, to: end, ...project });
      if (seq === this.chartSeq) this.charts.render(r.minutes, start, end);
    } catch (err) {
      // The list below says what went wrong (the same query fails there too): the charts only say they are empty.
      if (seq === this.chartSeq)
        this.charts.clear(SessionTracker.isRpcError(err, SessionTracker.ErrorCode.Forbidden) ? 'admins only' : 'not available');
    }
  }

  /** A failure in words; a bad param is shown next to its field instead (null). */
  private errorText(err: unknown): string | null {
    if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.InvalidParams)) {
      const field = historyErrorField(err.message);
      const preset = this.form.values.window.preset;
      // A time the server refused is shown where it was entered: "at" holds both ends.
      const shown = field === 'from' || field === 'to' ? (preset === 'custom' ? field : preset === 'at' ? 'at' : null) : field;
      if (shown !== null && (shown !== 'project' || this.view === 'history')) {
        this.form.setError(shown, err.message);
        return null;
      }
      return `The server refused the query: ${err.message}`;
    }
    if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.Forbidden))
      return 'Only admins can read the history, and this sign-in is not an admin.';
    if (SessionTracker.isClientError(err)) return `Could not reach the server (${err.code}). Search again once the connection is back.`;
    return `Could not read the history: ${err instanceof Error ? err.message : String(err)}`;
  }

  private renderEnded(items: readonly EndedSessionInfo[], append: boolean): void {
    if (!append) this.rows.clear();
    const selected = this.timeline.sessionId;
    const rows = items.map((s) => {
      this.rows.set(s.id, s);
      const tr = h(
        'tr',
        { 'data-session-id': s.id, class: s.id === selected ? 'is-selected' : null },
        h('td', { class: 'nowrap' }, h('time', { datetime: s.endedAt }, formatDateTime(s.endedAt))),
        h('td', { class: `reason is-${s.endReason}` }, endReasonText(s.endReason)),
        h(
          'th',
          { scope: 'row', class: 'h-user' },
          h('button', { type: 'button', class: 'link-btn', title: `Timeline of session ${s.id}` }, s.username || 'anonymous'),
        ),
        h('td', {}, s.project),
        h('td', { class: 'mono' }, s.clientAddress || '—'),
        h('td', { class: 'num', title: `Created ${formatDateTime(s.creationTime)}` }, formatDuration(s.uptime)),
        h('td', { class: 'num', title: formatExactBytes(s.totalBytesSent) }, formatBytes(s.totalBytesSent)),
        h('td', { class: 'num', title: formatExactBytes(s.totalBytesReceived) }, formatBytes(s.totalBytesReceived)),
      );
      return tr;
    });
    if (append) this.tbody.append(...rows);
    else this.tbody.replaceChildren(...rows);
  }
}

function endedSubject(s: EndedSessionInfo): TimelineSubject {
  return {
    id: s.id,
    username: s.username,
    project: s.project,
    note: `ended ${formatDateTime(s.endedAt)}, ${endReasonText(s.endReason).toLowerCase()}`,
  };
}

function subjectOf(e: HistoryEvent): TimelineSubject {
  return { id: e.sessionId, username: e.username, project: e.project };
}

/** "Since 2026-11-30 11:00:00", "At 03:00:00", "From … to …". */
function windowSummary(from: number | undefined, to: number | undefined, now: number): string {
  const at = (ms: number): string => formatDateTime(new Date(ms).toISOString());
  if (from !== undefined && to !== undefined && from === to) return `Connected at ${at(from)}`;
  if (from !== undefined && to === undefined) return `${at(from)} to now (${formatDuration(now - from)})`;
  if (from === undefined && to !== undefined) return `Everything up to ${at(to)}`;
  if (from !== undefined && to !== undefined) return `${at(from)} to ${at(to)}`;
  return 'All of the history kept';
}
