/** The sessions table's columns: header label, cell text, sort key. */
import {
  formatBool,
  formatBytes,
  formatCount,
  formatDevice,
  formatDuration,
  formatExactBytes,
} from './format.js';
import { clusterOf, lastCommAt, uptimeAt, type Entry, type SortKey } from './model.js';

export interface Column {
  key: SortKey;
  label: string;
  cls: string;
  /** Recomputed every second. */
  ticks?: boolean;
  text(e: Entry, now: number): string;
  title?(e: Entry, now: number): string;
  /** Extra class on the cell (for state colours). */
  variant?(e: Entry): string;
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
    text: (e, now) => formatDuration(uptimeAt(e, now)),
  },
  {
    key: 'lastComm',
    label: 'Last comm',
    cls: 'c-num c-lastcomm',
    ticks: true,
    text: (e, now) => formatDuration(lastCommAt(e, now)),
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
  { key: 'state', label: 'State', cls: 'c-state', text: (e) => e.info.state, variant: (e) => `is-${e.info.state}` },
  // Cluster mode only (the table shows it once a session carries a node).
  {
    key: 'node',
    label: 'Node',
    cls: 'c-node',
    text: (e) => clusterOf(e.info).node ?? '—',
    title: (e) => {
      const c = clusterOf(e.info);
      return `${(c.nodes ?? []).join(', ')}${c.confirmed === false ? ' (not confirmed live: from Redis)' : ''}`;
    },
    variant: (e) => (clusterOf(e.info).confirmed === false ? 'is-unconfirmed' : ''),
  },
];
