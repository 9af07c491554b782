/**
 * The admin dashboard at /admin: sign-in, the live sessions table (a window of the
 * server's sorted list, live.ts), filters, details (followed live, selected.ts),
 * termination, and the session-count chart. Wires the views to the SDK (api.ts).
 */
import type { StateChange } from '@session-tracker/client';
import { DashboardApi, NotAdminError, storedToken } from './api.js';
import { StaleBanner } from './banner.js';
import { ChartView, SAMPLE_EVERY_MS } from './chart.js';
import { DetailsView, type Moment } from './details.js';
import { confirmWithMessage } from './dialog.js';
import { byId, setText } from './dom.js';
import { FiltersView, type FilterValues } from './filters.js';
import { formatDevice } from './format.js';
import { LiveList } from './live.js';
import { Liveness, endedText, type Gap } from './liveness.js';
import { filterErrorField, type Entry } from './model.js';
import { SelectedFollower } from './selected.js';
import { TableView, type TablePage } from './table.js';
import { TotalsView } from './totals.js';
import { Views } from './views.js';

const liveness = new Liveness();
let selfId: string | null = null;
let selectedId: string | null = null;
let shownEntry: Entry | null = null;
let resetChartOnPage = true;
/** The last stretch without live updates (a reconnect ended it): the followed session may have ended in it. */
let lastGap: Gap | null = null;

const el = {
  signinView: byId('signin-view'),
  signinForm: byId('signin-form', HTMLFormElement),
  token: byId('token', HTMLInputElement),
  signinError: byId('signin-error'),
  signinButton: byId('signin-submit', HTMLButtonElement),
  dashboardView: byId('dashboard-view'),
  account: byId('account'),
  who: byId('who'),
  signOut: byId('sign-out', HTMLButtonElement),
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  reconnect: byId('reconnect', HTMLButtonElement),
  notice: byId('notice'),
  workspace: byId('workspace'),
  filtersForm: byId('filters', HTMLFormElement),
};

const now = (): number => performance.now();
/** The same instant in both clocks. */
const moment = (): Moment => ({ wall: Date.now(), local: now() });

// ---- Notices --------------------------------------------------------------------------

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function notify(text: string, kind: 'ok' | 'error' = 'ok'): void {
  clearTimeout(noticeTimer);
  el.notice.textContent = text;
  el.notice.className = `notice is-${kind}`;
  noticeTimer = setTimeout(() => {
    el.notice.textContent = '';
    el.notice.className = 'notice';
  }, 8_000);
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// ---- Views ----------------------------------------------------------------------------

const chart = new ChartView(byId('chart'), byId('chart-summary'));

const details = new DetailsView(byId('details'), {
  onClose: closeDetails,
  onTerminate: (id) => void terminate(id),
  onClosePage: (sessionId, pageId) => void closePage(sessionId, pageId),
  onTimeline: (info) => views.openTimeline({ id: info.id, username: info.username, project: info.project, note: 'live' }),
});

const table = new TableView(byId('sessions-table', HTMLTableElement), byId('session-count'), byId('sessions-empty'), {
  onSelect: select,
  onTerminate: (id) => void terminate(id),
  onViewport: () => live.viewportChanged(),
  onSort: (sort) => live.setSort(sort),
});

const totalsView = new TotalsView();

const filters = new FiltersView(el.filtersForm, (values) => void applyFilters(values));

const banner = new StaleBanner(
  byId('dashboard-view'),
  byId('stale-banner'),
  byId('stale-since'),
  byId('stale-elapsed'),
  byId('stale-status'),
);

/** What the dashboard knows of a session now: the followed one's feed, else the table's window. */
function entryOf(id: string): Entry | undefined {
  if (id === selectedId && shownEntry !== null) return shownEntry;
  return live.entry(id) ?? table.entry(id);
}

function select(id: string): void {
  const entry = entryOf(id);
  selectedId = id;
  table.setSelected(id);
  el.workspace.classList.add('has-details');
  if (entry) {
    shownEntry = entry;
    details.show(entry, id === selfId, now());
    // From here the details follow the session itself, wherever the table scrolls.
    void follower.follow(entry.info);
  }
}

function closeDetails(): void {
  const id = selectedId;
  selectedId = null;
  shownEntry = null;
  follower.stop();
  table.setSelected(null);
  details.hide();
  el.workspace.classList.remove('has-details');
  if (id !== null) table.focusRow(id);
}

const follower = new SelectedFollower(
  {
    feed: (f) => api.feed(f),
    count: async (f) => (await api.list({ ...f, fields: ['id'], limit: 1 })).total,
  },
  {
    changed(entry) {
      if (entry.info.id !== selectedId) return;
      shownEntry = entry;
      details.show(entry, entry.info.id === selfId, now());
    },
    ended(afterGap) {
      const wall = Date.now();
      const lostAt = liveness.lostAt;
      markEnded(!afterGap ? null : lostAt !== null ? { from: lostAt, to: wall } : (lastGap ?? { from: wall, to: wall }));
    },
  },
);

/** The selected session is no longer listed (`gap`: it ended while the dashboard was not live). */
function markEnded(gap: Gap | null): void {
  if (selectedId === null || shownEntry === null) return;
  const at = moment();
  details.markEnded(endedText(at.wall, gap), at);
  shownEntry = null;
  // Its last state stays on show: nothing more may overwrite it.
  follower.stop();
}

/** A window of the list arrived: the view is live (again), the table and the chart follow. */
function showPage(page: TablePage): void {
  const gap = liveness.feedBack(Date.now());
  if (gap !== null) {
    lastGap = gap;
    renderLiveness();
  }
  table.setPage(page);
  // A window that holds the whole list and not the selected session: it is gone (whichever of
  // this and its own feed tells first).
  const whole = page.offset === 0 && page.entries.length === page.total;
  if (whole && selectedId !== null && !page.entries.some((e) => e.info.id === selectedId)) markEnded(gap);
  // Without a feed of its own (its group is large), the selected session's details follow the window.
  if (selectedId !== null && shownEntry !== null && !follower.feeding) {
    const entry = page.entries.find((e) => e.info.id === selectedId);
    if (entry !== undefined) {
      shownEntry = entry;
      details.show(entry, selectedId === selfId, now());
    }
  }
  if (resetChartOnPage) {
    resetChartOnPage = false;
    chart.reset(page.total);
  } else {
    chart.live(page.total);
  }
}

// ---- Live or not ----------------------------------------------------------------------

/** Marks everything as the last known state (lostAt, epoch ms) or as live again (null). */
function renderLiveness(): void {
  const lostAt = liveness.lostAt;
  const at: Moment | null = lostAt === null ? null : { wall: lostAt, local: now() - (Date.now() - lostAt) };
  banner.set(lostAt);
  table.setStale(at?.local ?? null);
  details.setStale(at, now());
  totalsView.setStale(lostAt);
}

// ---- Connection status ----------------------------------------------------------------

function renderState({ newState, oldState, code, reason }: StateChange): void {
  const text =
    newState === 'connected'
      ? 'Connected'
      : newState === 'connecting'
        ? oldState === 'connected'
          ? 'Connection lost, reconnecting…'
          : 'Connecting…'
        : newState === 'disconnected'
          ? `Disconnected${code === undefined ? '' : ` (${code}${reason ? `: ${reason}` : ''})`}`
          : 'Closed';
  el.connection.dataset.state = newState;
  el.connectionText.textContent = text;
  el.reconnect.hidden = newState !== 'disconnected';
  banner.setStatus(
    newState === 'connected' ? 'Reconnected, fetching the sessions…' : newState === 'connecting' ? 'Reconnecting…' : `${text}.`,
  );
  if (liveness.connection(newState, api.signedIn, Date.now())) renderLiveness();
}

// ---- The SDK --------------------------------------------------------------------------

const api = new DashboardApi({
  state: renderState,
  welcome(sessionId) {
    selfId = sessionId;
    table.setSelf(sessionId);
  },
  reauthenticated() {
    // The server answers again: a fresh window ends the stale view; a refused feed subscribes again.
    live.refresh();
    follower.retry();
  },
  signedOut(reason) {
    showSignIn(reason);
  },
  terminated(message) {
    notify(`An admin terminated this dashboard's session${message ? `: “${message}”` : '.'}`, 'error');
  },
});
const live = new LiveList(api, table, {
  page: showPage,
  totals: (t) => totalsView.set(t),
  error() {
    // A refresh that failed (a drop, a timeout): the next one tries again; a lost connection shows as stale.
  },
});
renderState({ newState: api.client.state, oldState: 'disconnected' });
const views = new Views(api);
el.reconnect.addEventListener('click', () => api.client.connect());

// ---- Sign-in / sign-out ---------------------------------------------------------------

function showSignIn(error: string | null): void {
  liveness.reset();
  renderLiveness();
  live.stop();
  totalsView.set(null);
  table.clear();
  closeDetails();
  el.filtersForm.reset();
  filters.clearErrors();
  views.signedOut();
  el.dashboardView.hidden = true;
  el.account.hidden = true;
  el.signinView.hidden = false;
  el.signinButton.disabled = false;
  el.signinError.textContent = error ?? '';
  el.signinError.hidden = error === null;
  el.token.setAttribute('aria-invalid', String(error !== null));
  el.token.focus();
}

function showDashboard(username: string): void {
  el.signinView.hidden = true;
  el.dashboardView.hidden = false;
  el.account.hidden = false;
  el.who.textContent = username;
  el.token.value = '';
  byId('sessions-heading').focus();
  // The view the URL hash names (#history, #events), read now that the server answers.
  views.signedIn();
}

async function signIn(token: string): Promise<void> {
  el.signinButton.disabled = true;
  el.signinError.hidden = true;
  setText(el.signinButton, 'Signing in…');
  resetChartOnPage = true;
  try {
    const who = await api.signIn(token, () => live.start(filters.values));
    showDashboard(who.username);
  } catch (err) {
    let message: string;
    if (err instanceof NotAdminError) message = err.message;
    else if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.BadToken)) message = `The server refused this token: ${err.message}`;
    else if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.InvalidParams)) message = `The filters were refused: ${err.message}`;
    else if (SessionTracker.isClientError(err)) message = `Could not reach the server (${err.code}). Check the connection and try again.`;
    else message = `Sign-in failed: ${errorText(err)}`;
    showSignIn(message);
  } finally {
    setText(el.signinButton, 'Sign in');
    el.signinButton.disabled = false;
  }
}

el.signinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = el.token.value.trim();
  if (token === '') {
    showSignIn('Enter the admin token or a JWT.');
    return;
  }
  void signIn(token);
});

el.signOut.addEventListener('click', () => {
  void api.signOut().finally(() => showSignIn(null));
});

// ---- Filters --------------------------------------------------------------------------

async function applyFilters(values: FilterValues): Promise<void> {
  try {
    // The chart counts the sessions the filters let through: a new set starts a new history.
    if (api.signedIn) resetChartOnPage = true;
    if (await live.setFilters(values)) filters.clearErrors();
  } catch (err) {
    resetChartOnPage = false;
    if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.InvalidParams)) {
      filters.clearErrors();
      filters.setError(filterErrorField(err.message) ?? (values.projectFilter !== '' ? 'project' : 'username'), err.message);
    } else {
      notify(`Could not apply the filters: ${errorText(err)}`, 'error');
    }
  }
}

// ---- Actions --------------------------------------------------------------------------

function describe(entry: Entry): string {
  const s = entry.info;
  return `${s.username} · ${s.project} · ${formatDevice(s.device)} · ${s.clientAddress || 'no address'}`;
}

async function terminate(id: string): Promise<void> {
  const entry = entryOf(id);
  if (!entry) return;
  if (id === selfId) {
    notify('This is the session of this dashboard: sign out instead.', 'error');
    return;
  }
  if (liveness.stale) {
    notify('Not live: wait for the connection to the server to come back.', 'error');
    return;
  }
  const message = await confirmWithMessage({
    title: 'Terminate this session?',
    description: `${describe(entry)}. Each of its sockets gets your message and is closed; the session ends and cannot be resumed.`,
    confirmLabel: 'Terminate session',
    placeholder: 'Optional, e.g. “Maintenance at 22:00: please save your work.”',
  });
  if (message === null) return;
  try {
    await api.closeSession(id, message);
    notify(`Terminated the session of ${entry.info.username} (${entry.info.project}).`);
  } catch (err) {
    notify(`Could not terminate the session: ${errorText(err)}`, 'error');
  }
}

async function closePage(sessionId: string, pageId: string): Promise<void> {
  const entry = entryOf(sessionId);
  const page = entry?.info.pages.find((p) => p.id === pageId);
  if (!entry || !page) return;
  const message = await confirmWithMessage({
    title: 'Close this page?',
    description: `${page.path || page.id} (${page.title || 'untitled'}) in the session of ${entry.info.username}. The page's socket gets your message.`,
    confirmLabel: 'Close page',
    placeholder: 'Optional message',
  });
  if (message === null) return;
  try {
    await api.closePage(sessionId, pageId, message);
    notify(`Closed page ${page.path || page.id}.`);
  } catch (err) {
    notify(`Could not close the page: ${errorText(err)}`, 'error');
  }
}

// ---- Clocks ---------------------------------------------------------------------------

setInterval(() => {
  if (document.hidden || !api.signedIn) return;
  table.tick();
  details.tick(now());
  banner.tick();
}, 1_000);

setInterval(() => {
  // Not live, the count is only the last one known: no sample (the chart holds the last step).
  if (api.signedIn && !liveness.stale && totalsView.known) chart.sample(table.size);
}, SAMPLE_EVERY_MS);

// ---- Start ----------------------------------------------------------------------------

const saved = storedToken();
if (saved !== null) {
  el.token.value = '';
  void signIn(saved);
} else {
  showSignIn(null);
}
