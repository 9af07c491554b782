import { ClientError } from '../errors.js';
import { randomId } from '../ids.js';
import type { Logger } from '../logger.js';
import { webStorage, type KeyValueStorage } from '../storage.js';

export interface TrackPageOptions {
  /** The sessionStorage key holding this tab's pageId. Default `session-tracker:page:<project>`. */
  storageKey?: string;
  /** Where the pageId is kept. Default: `sessionStorage` (a reload keeps the ID), else memory. */
  storage?: KeyValueStorage;
  /** Follow `document.title` changes that happen without a navigation. Default true. */
  observeTitle?: boolean;
}

/** What the tracker needs from the client. */
export interface PageClient {
  openPage(options: { pageId: string; path: string; title: string }): Promise<string>;
  updatePage(pageId: string, patch: { path?: string; title?: string }): Promise<void>;
  closePage(pageId: string): Promise<void>;
  on(event: 'pageClosing', fn: (payload: { pageId: string; message: string }) => void): () => void;
}

export interface PageTrackerHandle {
  /** This tab's page ID (kept in sessionStorage across reloads). */
  readonly pageId: string;
  /** Whether the page is open as far as the tracker knows. */
  readonly active: boolean;
  /** Re-reads location and title now (e.g. after a navigation the tracker cannot see). */
  sync(): void;
  /** Closes the page and stops tracking; the History API is restored. */
  stop(): void;
}

type HistoryMethod = History['pushState'];

/**
 * One page per browser tab: path from `location.pathname + search + hash`, title from
 * `document.title`, updated on History API navigations (`pushState`/`replaceState`
 * wrapped, `popstate`, `hashchange`), closed on `pagehide`, opened again on `pageshow`.
 */
export class PageTracker implements PageTrackerHandle {
  readonly pageId: string;
  private open = false;
  private hidden = false;
  private stopped = false;
  private last: { path: string; title: string } | null = null;
  private scheduled = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly client: PageClient,
    project: string,
    options: TrackPageOptions,
    private readonly logger: Logger,
    private readonly onStop: () => void = () => undefined,
  ) {
    if (typeof window === 'undefined' || typeof document === 'undefined' || typeof location === 'undefined') {
      throw new ClientError('NOT_SUPPORTED', 'page tracking needs a browser (window, document, location)');
    }
    const storage = options.storage ?? webStorage('sessionStorage');
    const key = options.storageKey ?? `session-tracker:page:${project}`;
    this.pageId = readOrCreateId(storage, key);
    this.wrapHistory();
    this.listen(window, 'popstate', () => this.schedule());
    this.listen(window, 'hashchange', () => this.schedule());
    this.listen(window, 'pagehide', () => this.handlePageHide());
    this.listen(window, 'pageshow', (event) => this.handlePageShow(event));
    if (options.observeTitle !== false) this.observeTitle();
    this.cleanups.push(
      client.on('pageClosing', ({ pageId }) => {
        if (pageId === this.pageId) {
          this.open = false;
          this.last = null;
        }
      }),
    );
    this.sync();
  }

  get active(): boolean {
    return this.open;
  }

  sync(): void {
    this.scheduled = false;
    if (this.stopped || this.hidden) return;
    const now = { path: currentPath(), title: document.title };
    if (!this.open) {
      this.open = true;
      this.last = now;
      this.client.openPage({ pageId: this.pageId, ...now }).catch((err: unknown) => this.failed('page.open', err));
      return;
    }
    const last = this.last;
    if (last !== null && last.path === now.path && last.title === now.title) return;
    const patch: { path?: string; title?: string } = {};
    if (last === null || last.path !== now.path) patch.path = now.path;
    if (last === null || last.title !== now.title) patch.title = now.title;
    this.last = now;
    this.client.updatePage(this.pageId, patch).catch((err: unknown) => this.failed('page.update', err));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.open) {
      this.open = false;
      this.client.closePage(this.pageId).catch((err: unknown) => this.failed('page.close', err));
    }
    this.onStop();
  }

  /** Coalesces bursts (pushState then a title change) into one update, after the app had its turn. */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setTimeout(() => this.sync(), 0);
  }

  private handlePageHide(): void {
    this.hidden = true;
    if (!this.open) return;
    this.open = false;
    this.last = null;
    this.client.closePage(this.pageId).catch((err: unknown) => this.failed('page.close', err));
  }

  private handlePageShow(event: Event): void {
    // The first pageshow of a fresh load comes after the tracker already opened the page.
    const persisted = (event as PageTransitionEvent).persisted === true;
    if (!this.hidden && !persisted) return;
    this.hidden = false;
    this.sync();
  }

  private wrapHistory(): void {
    const history = window.history;
    for (const name of ['pushState', 'replaceState'] as const) {
      const original: HistoryMethod = history[name];
      const schedule = (): void => this.schedule();
      const wrapped: HistoryMethod = function (this: History, ...args: Parameters<HistoryMethod>) {
        const result = original.apply(this, args);
        schedule();
        return result;
      };
      history[name] = wrapped;
      this.cleanups.push(() => {
        // Restore only if nobody wrapped it after us; else our wrapper stays but goes quiet.
        if (history[name] === wrapped) history[name] = original;
      });
    }
  }

  private observeTitle(): void {
    if (typeof MutationObserver === 'undefined' || document.head === null) return;
    const observer = new MutationObserver((records) => {
      if (records.some(touchesTitle)) this.schedule();
    });
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    this.cleanups.push(() => observer.disconnect());
  }

  private listen(target: Window, type: string, fn: (event: Event) => void): void {
    target.addEventListener(type, fn);
    this.cleanups.push(() => target.removeEventListener(type, fn));
  }

  private failed(method: string, err: unknown): void {
    this.logger.debug(`session-tracker: page tracker ${method} failed`, err);
  }
}

function currentPath(): string {
  return `${location.pathname}${location.search}${location.hash}`;
}

function isInTitle(node: Node): boolean {
  for (let n: Node | null = node; n !== null; n = n.parentNode) {
    if (n.nodeName === 'TITLE') return true;
  }
  return false;
}

function touchesTitle(record: MutationRecord): boolean {
  if (isInTitle(record.target)) return true;
  const isTitle = (n: Node): boolean => n.nodeName === 'TITLE';
  return Array.from(record.addedNodes).some(isTitle) || Array.from(record.removedNodes).some(isTitle);
}

function readOrCreateId(storage: KeyValueStorage | null, key: string): string {
  try {
    const existing = storage?.getItem(key);
    if (typeof existing === 'string' && existing.length > 0 && existing.length <= 128) return existing;
  } catch {
    // Fall through to a fresh ID.
  }
  const id = randomId();
  try {
    storage?.setItem(key, id);
  } catch {
    // The ID then lasts only as long as this document.
  }
  return id;
}
