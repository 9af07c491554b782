import { ClientError } from '../errors.js';
import { TimerSlot, type Timers } from '../timers.js';

/** A page as this client wants the server to see it. */
export interface PageState {
  pageId: string;
  path?: string;
  title?: string;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: TimerSlot;
}

/**
 * The pages this client has open: the source of truth that is re-announced (`page.open`
 * with the same pageId/path/title) after every welcome, since the server closes a
 * socket's pages when the socket closes. Calls can wait for a page's next announcement.
 */
export class PageRegistry {
  private readonly pages = new Map<string, PageState>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly timers: Timers) {}

  has(pageId: string): boolean {
    return this.pages.has(pageId);
  }

  get(pageId: string): PageState | undefined {
    const page = this.pages.get(pageId);
    return page === undefined ? undefined : { ...page };
  }

  list(): PageState[] {
    return [...this.pages.values()].map((p) => ({ ...p }));
  }

  set(page: PageState): void {
    this.pages.set(page.pageId, compact(page));
  }

  /** Applies a patch to a known page; false when the page is unknown. */
  update(pageId: string, patch: { path?: string; title?: string }): boolean {
    const page = this.pages.get(pageId);
    if (page === undefined) return false;
    this.pages.set(pageId, compact({ ...page, ...patch, pageId }));
    return true;
  }

  /** Forgets a page; whoever waited for its announcement is released (the intent is moot). */
  remove(pageId: string): boolean {
    const known = this.pages.delete(pageId);
    this.release(pageId, null);
    return known;
  }

  /** Waits until the page is next announced to the server, for at most `timeoutMs`. */
  waitForAnnounce(pageId: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: new TimerSlot(this.timers) };
      const list = this.waiters.get(pageId) ?? [];
      list.push(waiter);
      this.waiters.set(pageId, list);
      waiter.timer.set(() => {
        const rest = (this.waiters.get(pageId) ?? []).filter((w) => w !== waiter);
        if (rest.length > 0) this.waiters.set(pageId, rest);
        else this.waiters.delete(pageId);
        reject(new ClientError('TIMEOUT', `page ${pageId}: not announced to the server within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** The server accepted the page. */
  announced(pageId: string): void {
    this.release(pageId, null);
  }

  /** The server refused the page: waiters get the error. */
  announceFailed(pageId: string, error: Error): void {
    this.release(pageId, error);
  }

  /** Rejects every waiter (the client is closing). */
  rejectAll(makeError: () => Error): void {
    for (const pageId of [...this.waiters.keys()]) this.release(pageId, makeError());
  }

  private release(pageId: string, error: Error | null): void {
    const list = this.waiters.get(pageId);
    if (list === undefined) return;
    this.waiters.delete(pageId);
    for (const waiter of list) {
      waiter.timer.clear();
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  }
}

function compact(page: PageState): PageState {
  const out: PageState = { pageId: page.pageId };
  if (page.path !== undefined) out.path = page.path;
  if (page.title !== undefined) out.title = page.title;
  return out;
}
