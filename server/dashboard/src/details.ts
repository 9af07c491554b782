/**
 * The details panel of the selected session: every SessionInfo field (and any field a
 * newer server adds), its pages with path, title and opening time, and the actions
 * (terminate the session, close one page). Values are updated in place, so focus and
 * scroll survive the live updates.
 */
import type { SessionInfo } from '@session-tracker/client';
import { h, setText } from './dom.js';
import {
  formatBool,
  formatBytes,
  formatCount,
  formatDateTime,
  formatDevice,
  formatDuration,
  formatExactBytes,
  formatTime,
} from './format.js';
import { lastCommAt, uptimeAt, type Entry } from './model.js';

interface Field {
  key: keyof SessionInfo;
  label: string;
  value(e: Entry, now: number): string;
  mono?: boolean;
  ticks?: boolean;
}

const bytes = (n: number): string => `${formatBytes(n)} (${formatExactBytes(n)})`;

const FIELDS: readonly Field[] = [
  { key: 'id', label: 'Session ID', value: (e) => e.info.id, mono: true },
  { key: 'username', label: 'Username', value: (e) => e.info.username },
  { key: 'roles', label: 'Roles', value: (e) => (e.info.roles.length === 0 ? '—' : e.info.roles.join(', ')) },
  { key: 'authorized', label: 'Authorized', value: (e) => formatBool(e.info.authorized) },
  { key: 'project', label: 'Project', value: (e) => e.info.project },
  { key: 'sessionScope', label: 'Scope', value: (e) => e.info.sessionScope },
  { key: 'state', label: 'State', value: (e) => e.info.state },
  { key: 'clientAddress', label: 'Client address', value: (e) => e.info.clientAddress || '—', mono: true },
  { key: 'device', label: 'Device', value: (e) => formatDevice(e.info.device) },
  { key: 'userAgent', label: 'User agent', value: (e) => e.info.userAgent || '—', mono: true },
  { key: 'creationTime', label: 'Created', value: (e) => formatDateTime(e.info.creationTime) },
  { key: 'uptime', label: 'Uptime', value: (e, now) => formatDuration(uptimeAt(e, now)), ticks: true },
  { key: 'lastComm', label: 'Last comm', value: (e, now) => `${formatDuration(lastCommAt(e, now))} ago`, ticks: true },
  { key: 'activePages', label: 'Active pages', value: (e) => formatCount(e.info.activePages) },
  { key: 'pageIds', label: 'Page IDs', value: (e) => (e.info.pageIds.length === 0 ? '—' : e.info.pageIds.join(', ')), mono: true },
  { key: 'totalBytesSent', label: 'Bytes sent (total)', value: (e) => bytes(e.info.totalBytesSent) },
  { key: 'recentBytesSent', label: 'Bytes sent (last message)', value: (e) => bytes(e.info.recentBytesSent) },
  { key: 'totalBytesReceived', label: 'Bytes received', value: (e) => bytes(e.info.totalBytesReceived) },
  { key: 'messagesSent', label: 'Messages sent', value: (e) => formatCount(e.info.messagesSent) },
];
const KNOWN = new Set<string>([...FIELDS.map((f) => f.key as string), 'pages']);

export interface DetailsOptions {
  onClose(): void;
  onTerminate(sessionId: string): void;
  onClosePage(sessionId: string, pageId: string): void;
  /** Opens the session's timeline (its events so far) in the History view. */
  onTimeline(info: SessionInfo): void;
}

/** A moment in both clocks: epoch ms (to show) and local monotonic ms (to stop the clocks at). */
export interface Moment {
  wall: number;
  local: number;
}

export class DetailsView {
  private entry: Entry | null = null;
  /** The session left the list: when, and the words for it. */
  private ended: (Moment & { text: string }) | null = null;
  /** The dashboard's feed was lost at this moment: the values are the last known ones. */
  private staleAt: Moment | null = null;
  private self = false;
  private readonly values = new Map<string, HTMLElement>();
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly terminate: HTMLButtonElement;
  private readonly timeline: HTMLButtonElement;
  private readonly list: HTMLDListElement;
  private readonly extra: HTMLDListElement;
  private readonly pagesHeading: HTMLElement;
  private readonly pagesList: HTMLUListElement;
  private readonly noPages: HTMLElement;
  private pagesKey = '';
  private extraKey = '';

  constructor(
    private readonly root: HTMLElement,
    options: DetailsOptions,
  ) {
    this.title = h('h2', { id: 'details-title', tabindex: -1 }, 'Session');
    this.subtitle = h('p', { class: 'details-sub' });
    const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close details' }, '×');
    close.addEventListener('click', () => options.onClose());
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.defaultPrevented) {
        ev.preventDefault();
        options.onClose();
      }
    });
    this.notice = h('p', { class: 'details-notice', hidden: true });
    this.terminate = h('button', { type: 'button', class: 'btn btn-danger-outline' }, 'Terminate session…');
    this.terminate.addEventListener('click', () => {
      if (this.entry && this.ended === null && this.staleAt === null) options.onTerminate(this.entry.info.id);
    });
    this.timeline = h('button', { type: 'button', class: 'btn', id: 'details-timeline' }, 'Timeline');
    this.timeline.addEventListener('click', () => {
      if (this.entry) options.onTimeline(this.entry.info);
    });
    this.list = h('dl', { class: 'fields' });
    for (const f of FIELDS) {
      const dd = h('dd', { class: f.mono ? 'mono' : null });
      this.values.set(f.key, dd);
      this.list.append(h('div', { class: 'field' }, h('dt', {}, f.label), dd));
    }
    this.extra = h('dl', { class: 'fields fields-extra' });
    this.pagesHeading = h('h3', { id: 'details-pages' }, 'Open pages');
    this.pagesList = h('ul', { class: 'page-list', 'aria-labelledby': 'details-pages' });
    this.noPages = h('p', { class: 'muted' }, 'No pages open.');
    this.pagesList.addEventListener('click', (ev) => {
      const button = (ev.target as Element).closest('button[data-page-id]');
      const pageId = button?.getAttribute('data-page-id');
      if (pageId && this.entry && this.ended === null && this.staleAt === null) options.onClosePage(this.entry.info.id, pageId);
    });
    root.replaceChildren(
      h('div', { class: 'details-head' }, h('div', {}, this.title, this.subtitle), close),
      this.notice,
      h('div', { class: 'details-actions' }, this.terminate, this.timeline),
      h('section', { class: 'details-section', 'aria-labelledby': 'details-pages' }, this.pagesHeading, this.pagesList, this.noPages),
      h(
        'section',
        { class: 'details-section', 'aria-labelledby': 'details-fields' },
        h('h3', { id: 'details-fields' }, 'All fields'),
        this.list,
        this.extra,
      ),
    );
  }

  get sessionId(): string | null {
    return this.entry?.info.id ?? null;
  }

  /** Shows a session (or refreshes the one shown): it is listed, so it has not ended. */
  show(entry: Entry, self: boolean, now: number): void {
    const changedSession = this.entry?.info.id !== entry.info.id;
    this.entry = entry;
    this.self = self;
    this.ended = null;
    if (changedSession) {
      this.pagesKey = '';
      this.extraKey = '';
    }
    this.root.hidden = false;
    this.render(now);
    if (changedSession) this.title.focus({ preventScroll: true });
  }

  /**
   * The session shown left the list (terminated, timed out, or filtered out) at `at`:
   * the panel says so and since when, and its clocks stop there.
   */
  markEnded(text: string, at: Moment): void {
    if (!this.entry) return;
    this.ended = { ...at, text };
    this.render(at.local);
  }

  /** The dashboard's feed was lost at `at` (its clocks stop there), or is live again (null). */
  setStale(at: Moment | null, now: number): void {
    this.staleAt = at;
    this.render(now);
  }

  hide(): void {
    this.entry = null;
    this.root.hidden = true;
  }

  get isOpen(): boolean {
    return this.entry !== null;
  }

  tick(now: number): void {
    if (!this.entry) return;
    setText(this.subtitle, this.subtitleText());
    if (this.ended !== null) return;
    const at = this.clock(now);
    for (const f of FIELDS) {
      if (f.ticks) setText(this.values.get(f.key) as HTMLElement, f.value(this.entry, at));
    }
  }

  /** The clocks' time: they stop when the session ended or the feed was lost. */
  private clock(now: number): number {
    if (this.ended !== null) return this.ended.local;
    return this.staleAt === null ? now : Math.min(now, this.staleAt.local);
  }

  private render(now: number): void {
    const e = this.entry;
    if (!e) return;
    const s = e.info;
    const ended = this.ended !== null;
    const stale = !ended && this.staleAt !== null;
    setText(this.title, s.username);
    setText(this.subtitle, this.subtitleText());
    this.root.classList.toggle('is-ended', ended);
    this.root.classList.toggle('is-stale', stale);
    const notice = this.ended?.text ?? (stale ? this.staleNotice() : this.self ? 'This is the session of this dashboard.' : '');
    setText(this.notice, notice);
    this.notice.hidden = notice === '';
    // Not live, there is no server to act through.
    this.terminate.disabled = ended || stale || this.self;
    const at = this.clock(now);
    for (const f of FIELDS) setText(this.values.get(f.key) as HTMLElement, f.key === 'state' ? this.stateText(e, at) : f.value(e, at));
    this.renderPages(s);
    this.renderExtra(s);
  }

  private subtitleText(): string {
    const s = this.entry?.info;
    if (!s) return '';
    let state: string = s.state;
    if (this.ended !== null) state = `ended ${formatTime(this.ended.wall)}, ${formatDuration(Date.now() - this.ended.wall)} ago`;
    else if (this.staleAt !== null) state = 'state unknown (not live)';
    return `${s.project} · ${s.sessionScope} · ${state}${this.self ? ' · this dashboard' : ''}`;
  }

  private staleNotice(): string {
    const since = this.staleAt === null ? '' : ` since ${formatTime(this.staleAt.wall)}`;
    return `Not live${since}: these are the last values received; the state is unknown until the dashboard is back.`;
  }

  /** The state, and since when when this dashboard knows it. `at`: local ms of the clocks. */
  private stateText(e: Entry, at: number): string {
    const s = e.info;
    if (this.ended !== null) return `ended (last known: ${s.state})`;
    if (this.staleAt !== null) return `unknown (last known: ${s.state})`;
    // Local monotonic ms to the wall clock: the same distance back from Date.now().
    const wall = (local: number): number => Date.now() - (at - local);
    if (e.stateAt !== undefined) return `${s.state} since ${formatTime(wall(e.stateAt))}`;
    if (s.state === 'disconnected') return `disconnected (last heard ${formatTime(wall(at - lastCommAt(e, at)))})`;
    return s.state;
  }

  private renderPages(s: SessionInfo): void {
    const key = JSON.stringify([s.pages, this.ended !== null || this.staleAt !== null]);
    if (key === this.pagesKey) return;
    this.pagesKey = key;
    setText(this.pagesHeading, `Open pages (${formatCount(s.pages.length)})`);
    this.noPages.hidden = s.pages.length > 0;
    const items = s.pages.map((p) =>
      h(
        'li',
        { class: 'page', 'data-page-id': p.id },
        h(
          'dl',
          { class: 'page-fields' },
          h('div', {}, h('dt', {}, 'Path'), h('dd', { class: 'mono page-path' }, p.path || '—')),
          h('div', {}, h('dt', {}, 'Title'), h('dd', {}, p.title || '—')),
          h('div', {}, h('dt', {}, 'Opened'), h('dd', {}, formatDateTime(p.openedAt))),
          h('div', {}, h('dt', {}, 'Page ID'), h('dd', { class: 'mono small' }, p.id)),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'data-page-id': p.id,
            disabled: this.ended !== null || this.staleAt !== null,
            'aria-label': `Close page ${p.path || p.id}`,
          },
          'Close',
        ),
      ),
    );
    this.pagesList.replaceChildren(...items);
  }

  /** Fields this dashboard does not know yet (the contract allows more), as JSON. */
  private renderExtra(s: SessionInfo): void {
    const extra = Object.entries(s).filter(([k]) => !KNOWN.has(k));
    const key = JSON.stringify(extra);
    if (key === this.extraKey) return;
    this.extraKey = key;
    this.extra.replaceChildren(
      ...extra.map(([k, v]) =>
        h('div', { class: 'field' }, h('dt', {}, k), h('dd', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v))),
      ),
    );
  }
}
