/**
 * The server-to-client shapes have one runtime representation, the zod-free checks in
 * shared/src/checks.ts, and one static one, the types (SessionInfo, MethodResults,
 * ServerNotifications). This holds the two together: an example of every result and every
 * notification, typed (so the compiler holds it to the type), passes its check, and the check
 * refuses it with any field the type requires missing (SessionInfo: the Perspective fields, the
 * ones a client may rely on from any server). Adding a method or a notification without its check or its example does not
 * compile.
 */
import {
  clusterFieldsOf,
  isClusterSessionInfo,
  isContractMethod,
  isMethodName,
  isResultOf,
  isSessionInfo,
  METHOD_NAMES,
  NOTIFICATION_CHECKS,
  type ClusterSessionInfo,
  type MethodName,
  type MethodResults,
  type ServerNotifications,
  type SessionInfo,
} from '@session-tracker/shared';
import { describe, expect, it } from 'vitest';

const info: SessionInfo = {
  id: 's1',
  userAgent: 'Mozilla/5.0',
  username: 'alice',
  project: 'Plant',
  uptime: 10,
  clientAddress: '10.0.0.1',
  lastComm: 1,
  sessionScope: 'browser',
  activePages: 1,
  recentBytesSent: 5,
  totalBytesSent: 50,
  pageIds: ['p'],
  authorized: true,
  totalBytesReceived: 40,
  messagesSent: 3,
  creationTime: '2026-12-01T05:00:00.000Z',
  state: 'connected',
  pages: [{ id: 'p', path: '/', title: 'Home', openedAt: '2026-12-01T05:00:00.000Z' }],
  device: { browser: 'Chrome 126', os: 'Linux', type: 'desktop' },
  roles: ['admin'],
  traffic: { 'valve.set': { messagesSent: 1, bytesSent: 10, messagesReceived: 1, bytesReceived: 5 } },
};

/** The fields of the Perspective shape: what a client may rely on from any server. */
const PERSPECTIVE: readonly (keyof SessionInfo)[] = [
  'id',
  'userAgent',
  'username',
  'project',
  'uptime',
  'clientAddress',
  'lastComm',
  'sessionScope',
  'activePages',
  'recentBytesSent',
  'totalBytesSent',
  'pageIds',
  'authorized',
];

const RESULTS: { [M in MethodName]: MethodResults[M] } = {
  'page.open': { pageId: 'p' },
  'page.update': { pageId: 'p' },
  'page.close': { pageId: 'p' },
  'auth.login': { username: 'alice', roles: ['admin'], authorized: true },
  'auth.logout': { username: 'alice' },
  'session.self': info,
  'session.ping': { serverTime: 1 },
  'session.ticket': { ticket: 't', expiresInMs: 30_000 },
  'session.end': { sessionId: 's1' },
  getSessionInfo: [info],
  getSessionStats: { sessions: 1, users: 1, pages: 1, byProject: { Plant: 1 } },
  'sessions.watch': { subscription: 'w', sessions: [info] },
  'sessions.unwatch': { subscription: 'w' },
  'sessions.close': { sessionId: 's1' },
  'pages.close': { sessionId: 's1', pageId: 'p' },
  'session.sendMessage': { delivered: 2 },
  'sessions.history': {
    sessions: [{ ...info, endedAt: '2026-12-01T06:00:00.000Z', endReason: 'timeout' }],
    next: null,
  },
  'sessions.events': {
    events: [
      {
        at: '2026-12-01T05:00:00.000Z',
        type: 'page.open',
        sessionId: 's1',
        username: 'alice',
        project: 'Plant',
        clientAddress: '10.0.0.1',
        detail: { pageId: 'p' },
      },
    ],
    next: 'c',
  },
  'sessions.list': { sessions: [{ id: 's1', username: 'alice' }], total: 1, next: null },
  'sessions.rollup': {
    minutes: [
      { at: '2026-12-01T05:00:00.000Z', project: 'Plant', sessions: 1, users: 1, pages: 1, bytesFromClients: 2, bytesToClients: 3 },
    ],
    truncated: false,
  },
};

const NOTIFICATIONS: ServerNotifications = {
  'session.welcome': { sessionId: 's1', resumeToken: 't', resumed: false, heartbeatMs: 15_000, serverTime: 1 },
  'session.closing': { message: 'bye' },
  'page.closing': { pageId: 'p', message: 'bye' },
  'session.message': { type: 't', payload: { a: 1 }, pageId: 'p' },
  'sessions.changed': { subscription: 'w', added: [info], updated: [], removed: ['s2'] },
};

const without = (value: object, key: string): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...value };
  delete copy[key];
  return copy;
};

describe('the checks of what the server sends agree with the types', () => {
  it('every result of every method, as typed, passes its check', () => {
    for (const m of METHOD_NAMES) expect([m, isResultOf(m, RESULTS[m])]).toEqual([m, true]);
    // The other form of getSessionInfo (dataset: true).
    expect(isResultOf('getSessionInfo', { columns: [{ name: 'username', type: 'String' }], rows: [['alice']] })).toBe(true);
  });

  it('every result check requires every top-level field its type requires (the examples hold only those)', () => {
    for (const m of METHOD_NAMES) {
      const example = RESULTS[m];
      // SessionInfo itself requires only the Perspective fields (next test); lists have no fields.
      if (Array.isArray(example) || example === info) continue;
      for (const key of Object.keys(example)) expect([m, key, isResultOf(m, without(example, key))]).toEqual([m, key, false]);
    }
  });

  it("SessionInfo's check requires exactly the Perspective fields, each of its type", () => {
    const required = Object.keys(info).filter((key) => !isSessionInfo(without(info, key)));
    expect(required.sort()).toEqual([...PERSPECTIVE].sort());
    for (const key of PERSPECTIVE) {
      const wrong = typeof info[key] === 'string' ? 1 : 'x';
      expect([key, isSessionInfo({ ...info, [key]: wrong })]).toEqual([key, false]);
    }
  });

  it('every notification, as typed, passes its check; each required field missing is refused', () => {
    for (const [method, params] of Object.entries(NOTIFICATIONS) as [keyof ServerNotifications, object][]) {
      expect([method, NOTIFICATION_CHECKS[method](params)]).toEqual([method, true]);
      for (const key of Object.keys(params)) {
        // `message` may be left out (read as ""), so may `pageId` and `payload` of session.message.
        const optional = key === 'message' || (method === 'session.message' && key !== 'type');
        expect([method, key, NOTIFICATION_CHECKS[method](without(params, key))]).toEqual([method, key, optional]);
      }
    }
  });

  it("the result checks know exactly the contract's methods", () => {
    for (const m of METHOD_NAMES) expect(isContractMethod(m)).toBe(true);
    for (const name of ['app.valve.set', 'sessions', 'toString', '__proto__', ''])
      expect([name, isContractMethod(name)]).toEqual([name, isMethodName(name)]);
  });
});

describe('the cluster fields (ClusterFields, one type for the server, the SDK and the dashboard)', () => {
  const clustered: ClusterSessionInfo = { ...info, node: 'n1', nodes: ['n1', 'n2'], confirmed: false };

  it('a clustered SessionInfo passes; each cluster field missing or mistyped is refused', () => {
    expect(isClusterSessionInfo(clustered)).toBe(true);
    expect(isClusterSessionInfo(info)).toBe(false);
    for (const [key, wrong] of [
      ['node', 1],
      ['nodes', ['n1', 2]],
      ['confirmed', 'yes'],
    ] as const) {
      expect([key, isClusterSessionInfo(without(clustered, key))]).toEqual([key, false]);
      expect([key, isClusterSessionInfo({ ...clustered, [key]: wrong })]).toEqual([key, false]);
    }
  });

  it('clusterFieldsOf reads the well-formed ones only: all from a cluster, none from a single node', () => {
    expect(clusterFieldsOf(clustered)).toEqual({ node: 'n1', nodes: ['n1', 'n2'], confirmed: false });
    expect(clusterFieldsOf(info)).toEqual({});
    expect(clusterFieldsOf({ ...info, node: 7, nodes: 'n1', confirmed: true })).toEqual({ confirmed: true });
  });
});
