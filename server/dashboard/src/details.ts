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
}

export class DetailsView {
  private entry: Entry | null = null;
  private ended = false;
  private self = false;
  private readonly values = new Map<string, HTMLElement>();
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly terminate: HTMLButtonElement;
  private readonly list: HTMLDListElement;
  private readonly extra: HTMLDListElement;
  private readonly pagesHeading: HTMLElement;
  private readonly pagesList: HTMLUListElement;
  private readonly noPages: HTMLElement;
  private pagesKey = '';
  private extraKey = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly options: DetailsOptions,
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
      if (this.entry && !this.ended) options.onTerminate(this.entry.info.id);
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
      if (pageId && this.entry && !this.ended) options.onClosePage(this.entry.info.id, pageId);
    });
    root.replaceChildren(
      h('div', { class: 'details-head' }, h('div', {}, this.title, this.subtitle), close),
      this.notice,
      h('div', { class: 'details-actions' }, this.terminate),
      h('section', { class: 'details-section', 'aria-labelledby': 'details-pages' }, this.pagesHeading, this.pagesList, this.noPages),
      h('section', { class: 'details-section', 'aria-labelledby': 'details-fields' }, h('h3', { id: 'details-fields' }, 'All fields'), this.list, this.extra),
    );
  }

  get sessionId(): string | null {
    return this.entry?.info.id ?? null;
  }

  /** Shows a session (or refreshes the one shown). */
  show(entry: Entry, self: boolean, now: number): void {
    const changedSession = this.entry?.info.id !== entry.info.id;
    this.entry = entry;
    this.self = self;
    if (changedSession) {
      this.ended = false;
      this.pagesKey = '';
      this.extraKey = '';
    }
    this.root.hidden = false;
    this.render(now);
    if (changedSession) this.title.focus({ preventScroll: true });
  }

  /** The session shown is gone (terminated, timed out, or filtered out). */
  markEnded(message: string): void {
    if (!this.entry) return;
    this.ended = true;
    this.render(performance.now());
    this.notice.textContent = message;
    this.notice.hidden = false;
  }

  hide(): void {
    this.entry = null;
    this.root.hidden = true;
  }

  get isOpen(): boolean {
    return this.entry !== null;
  }

  tick(now: number): void {
    if (!this.entry || this.ended) return;
    for (const f of FIELDS) {
      if (f.ticks) setText(this.values.get(f.key) as HTMLElement, f.value(this.entry, now));
    }
  }

  private render(now: number): void {
    const e = this.entry;
    if (!e) return;
    const s = e.info;
    setText(this.title, s.username);
    setText(this.subtitle, `${s.project} · ${s.sessionScope} · ${this.ended ? 'ended' : s.state}${this.self ? ' · this dashboard' : ''}`);
    this.root.classList.toggle('is-ended', this.ended);
    this.notice.hidden = !this.self || this.ended;
    if (this.self && !this.ended) this.notice.textContent = 'This is the session of this dashboard.';
    this.terminate.disabled = this.ended || this.self;
    for (const f of FIELDS) setText(this.values.get(f.key) as HTMLElement, f.value(e, now));
    this.renderPages(s);
    this.renderExtra(s);
  }

  private renderPages(s: SessionInfo): void {
    const key = JSON.stringify([s.pages, this.ended]);
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
        h('button', { type: 'button', class: 'btn btn-small', 'data-page-id': p.id, disabled: this.ended, 'aria-label': `Close page ${p.path || p.id}` }, 'Close'),
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
      ...extra.map(([k, v]) => h('div', { class: 'field' }, h('dt', {}, k), h('dd', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v)))),
    );
  }
}
