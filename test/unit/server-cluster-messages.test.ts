/**
 * Node-to-node messages (server/src/cluster/messages.ts): what one node writes, another reads
 * back as it was; anything else read from Redis is logged and dropped, never cast.
 */
import { describe, expect, it } from 'vitest';
import { NODE_MESSAGE_VERSION, nodeMessageText, parseNodeMessage, type NodeMessage } from '../../server/src/cluster/messages.js';

interface Logged {
  level: 'warn' | 'debug';
  fields: Record<string, unknown>;
  text: string;
}

function recorder() {
  const lines: Logged[] = [];
  const log = {
    warn: (fields: Record<string, unknown>, text: string) => lines.push({ level: 'warn', fields, text }),
    debug: (fields: Record<string, unknown>, text: string) => lines.push({ level: 'debug', fields, text }),
  };
  return { lines, log: log as unknown as Parameters<typeof parseNodeMessage>[1] };
}

const samples: NodeMessage[] = [
  { version: 2, type: 'query', id: 'q1', from: 'a', filters: { usernameFilter: 'al.*', projectFilter: null }, form: 'views' },
  { version: 2, type: 'action', id: 'a1', from: 'a', action: { kind: 'closePage', sid: 's', pageId: 'p', message: 'bye' } },
  { version: 2, type: 'action', id: 'a3', from: 'a', action: { kind: 'send', sid: 's', type: 'hi', payload: { n: 1 }, pageId: 'p' } },
  {
    version: 2,
    type: 'action',
    id: 'a2',
    from: 'a',
    action: { kind: 'push', sid: '', target: { usernameFilter: 'x', projectFilter: null }, name: 'n', text: '{}' },
  },
  {
    version: 2,
    type: 'list',
    id: 'l1',
    from: 'a',
    filters: { projectFilter: 'Plant' },
    list: { sort: '-totalBytesSent', after: { key: 42, id: 's9' }, want: 101 },
  },
  { version: 2, type: 'list', id: 'l2', from: 'a', filters: {}, list: { sort: 'id', want: 1001 } },
  { version: 2, type: 'watcher', from: 'b' },
  { version: 2, type: 'queryReply', id: 'q1', node: 'b', key: 'k' },
  { version: 2, type: 'actionReply', id: 'a1', reply: { node: 'b', found: true, delivered: 2 } },
  { version: 2, type: 'parts', node: 'b', parts: [{ sid: 's' }] },
  { version: 2, type: 'ended', node: 'b', sids: ['s1', 's2'] },
  { version: 2, type: 'login', sid: 's', from: 'b', username: 'al', roles: ['admin'], loggedIn: true, isAdmin: true, loginAt: 5 },
];

describe('cluster messages', () => {
  it('are version 2, with readable type names', () => {
    expect(NODE_MESSAGE_VERSION).toBe(2);
    expect(JSON.parse(nodeMessageText({ type: 'watcher', from: 'a' }))).toEqual({ version: 2, type: 'watcher', from: 'a' });
  });

  it.each(samples.map((m) => [m.type, m] as const))('%s: read back as written', (_type, msg) => {
    const { lines, log } = recorder();
    const { version: _v, ...rest } = msg;
    expect(parseNodeMessage(nodeMessageText(rest), log, 'ch')).toEqual(msg);
    expect(lines).toEqual([]);
  });

  it('reads an action as JSON leaves it: a send without payload or page (undefined is not written)', () => {
    const { lines, log } = recorder();
    const text = nodeMessageText({
      type: 'action',
      id: 'a4',
      from: 'a',
      action: { kind: 'send', sid: 's', type: 'hi', payload: undefined, pageId: undefined },
    });
    expect(parseNodeMessage(text, log, 'ch')).toEqual({
      version: 2,
      type: 'action',
      id: 'a4',
      from: 'a',
      action: { kind: 'send', sid: 's', type: 'hi' },
    });
    expect(lines).toEqual([]);
  });

  it.each([
    ['not JSON', '{"version":2,', 'not JSON'],
    ['an unknown type', '{"version":2,"type":"gossip","from":"a"}', 'invalid'],
    ['a field of the wrong type', '{"version":2,"type":"ended","node":"b","sids":[1]}', 'invalid'],
    ['a missing field', '{"version":2,"type":"login","sid":"s","from":"b"}', 'invalid'],
    [
      'a list asking for a negative count',
      '{"version":2,"type":"list","id":"l","from":"a","filters":{},"list":{"sort":"id","want":-1}}',
      'invalid',
    ],
    ['an unknown action', '{"version":2,"type":"action","id":"a","from":"b","action":{"kind":"explode","sid":"s"}}', 'invalid'],
  ])('drops %s with a warning naming the problem', (_what, text, kind) => {
    const { lines, log } = recorder();
    expect(parseNodeMessage(text, log, 'st:req')).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.text).toContain(kind);
    expect(lines[0]?.fields).toMatchObject({ event: 'cluster.message', channel: 'st:req' });
    if (kind === 'invalid') expect(String(lines[0]?.fields.problem)).not.toBe('');
  });

  it.each([
    ['version 1 (the one-letter tags)', '{"t":"q","id":"x","from":"a","filters":{},"form":"views"}'],
    ['a later version', '{"version":3,"type":"watcher","from":"a"}'],
    ['no object at all', '42'],
  ])('ignores %s: logged at debug, not a warning (mixed versions during an upgrade)', (_what, text) => {
    const { lines, log } = recorder();
    expect(parseNodeMessage(text, log, 'ch')).toBeUndefined();
    expect(lines.map((l) => l.level)).toEqual(['debug']);
  });
});
