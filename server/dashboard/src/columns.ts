/** The sessions table's columns: header label, cell text, sort key. */
import { formatBool, formatBytes, formatCount, formatDevice, formatDuration, formatExactBytes } from './format.js';
import { lastCommAt, uptimeAt, type Entry, type SortKey } from './model.js';

/** What a cell is drawn against. */
export interface CellContext {
  /** Local ms the clocks are read at (held at the moment of loss while stale). */
  now: number;
  /** The dashboard lost its live feed: what it shows is the last known state. */
  stale: boolean;
}

export interface Column {
  key: SortKey;
  label: string;
  cls: string;
  /** Recomputed every second. */
  ticks?: boolean;
  /** Drawn differently while the view is stale. */
  staleAware?: boolean;
  text(e: Entry, c: CellContext): string;
  title?(e: Entry, c: CellContext): string;
  /** Extra class on the cell (for state colours). */
  variant?(e: Entry, c: CellContext): string;
}

export const COLUMNS: readonly Column[] = [
  { key: 'username', label: 'User', cls: 'c-user', text: (e) => e.info.username, title: (e) => e.info.username },
  { key: 'project', label: 'Project', cls: 'c-project', text: (e) => e.info.project, title: (e) => e.info.project },
  { key: 'scope', label: 'Scope', cls: 'c-scope', text: (e) => e.info.sessionScope },
  { key: 'device', label: 'Device', cls: 'c-device', text: (e) => formatDevice(e.info.device), title: (e) => e.info.userAgent },
  { key: 'address', label: 'Address', cls: 'c-address', text: (e) => e.info.clientAddress || '—', title: (e) => e.info.clientAddress },
  {
    key: 'uptime',
    label: 'Uptime',
    cls: 'c-num c-uptime',
    ticks: true,
    text: (e, c) => formatDuration(uptimeAt(e, c.now)),
  },
  {
    key: 'lastComm',
    label: 'Last comm',
    cls: 'c-num c-lastcomm',
    ticks: true,
    text: (e, c) => formatDuration(lastCommAt(e, c.now)),
  },
  { key: 'pages', label: 'Pages', cls: 'c-num c-pages', text: (e) => formatCount(e.info.activePages) },
  {
    key: 'bytes',
    label: 'Bytes sent',
    cls: 'c-num c-bytes',
    text: (e) => formatBytes(e.info.totalBytesSent),
    title: (e) => formatExactBytes(e.info.totalBytesSent),
  },
  {
    key: 'authorized',
    label: 'Authorized',
    cls: 'c-auth',
    text: (e) => formatBool(e.info.authorized),
    variant: (e) => (e.info.authorized ? 'is-yes' : 'is-no'),
  },
  {
    key: 'state',
    label: 'State',
    cls: 'c-state',
    staleAware: true,
    // Disconnected from the server, the dashboard cannot vouch for any session's state.
    text: (e, c) => (c.stale ? 'unknown' : e.info.state),
    title: (e, c) => (c.stale ? `Last known: ${e.info.state} (the dashboard is not live)` : ''),
    variant: (e, c) => (c.stale ? 'is-unknown' : `is-${e.info.state}`),
  },
  // Cluster mode only (the table shows it once a session carries a node).
  {
    key: 'node',
    label: 'Node',
    cls: 'c-node',
    text: (e) => SessionTracker.clusterFieldsOf(e.info).node ?? '—',
    title: (e) => {
      const c = SessionTracker.clusterFieldsOf(e.info);
      return `${(c.nodes ?? []).join(', ')}${c.confirmed === false ? ' (not confirmed live: from Redis)' : ''}`;
    },
    variant: (e) => (SessionTracker.clusterFieldsOf(e.info).confirmed === false ? 'is-unconfirmed' : ''),
  },
];
