import type { Logger } from 'pino';
import { SESSION_STATES } from '@session-tracker/shared';
import { z } from 'zod';

/**
 * Every message nodes send each other over Redis pub/sub, as one versioned union: requests
 * (query, list, action, watcher), their replies (queryReply, actionReply), the change stream (parts,
 * ended) and login broadcasts (login). Nothing read from Redis is used before parseNodeMessage
 * has checked it; a message that fails is logged and dropped.
 *
 * `version` moves when a message changes meaning. A node drops messages of a version it does
 * not know (a rolling upgrade runs degraded until every node speaks the new one: queries and
 * actions then time out on the old nodes, as if they were slow). Version 1 was the untagged
 * one-letter shapes before this union.
 */
export const NODE_MESSAGE_VERSION = 2;

const version = z.literal(NODE_MESSAGE_VERSION);
const filter = z.string().nullish();
/** `state`: sessions.list's addition (a node of this version that ignored it would count every state). */
const filters = z.object({ usernameFilter: filter, projectFilter: filter, state: z.enum(SESSION_STATES).optional() });

/** An admin action for the nodes holding a session's sockets (types.ts ClusterAction). */
const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('close'), sid: z.string(), message: z.string() }),
  z.object({ kind: z.literal('closePage'), sid: z.string(), pageId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('send'), sid: z.string(), type: z.string(), payload: z.unknown().optional(), pageId: z.string().optional() }),
  z.object({
    kind: z.literal('push'),
    sid: z.string(),
    target: z.record(z.string(), z.string().nullish()),
    name: z.string(),
    text: z.string(),
  }),
]);

const nodeMessage = z.discriminatedUnion('type', [
  /** Asks every node for its parts matching the filters, as views (queries) or records (a feed's mirror). */
  z.object({ version, type: z.literal('query'), id: z.string(), from: z.string(), filters, form: z.enum(['views', 'parts']) }),
  /** sessions.list: asks every node for its first `want` parts after `after` in the order `sort` (cluster/list.ts). */
  z.object({
    version,
    type: z.literal('list'),
    id: z.string(),
    from: z.string(),
    filters,
    list: z.object({
      sort: z.string(),
      after: z.object({ key: z.union([z.number(), z.string()]), id: z.string() }).optional(),
      want: z.number().int().nonnegative(),
    }),
  }),
  /** Asks every node to run an admin action on its part of a session. */
  z.object({ version, type: z.literal('action'), id: z.string(), from: z.string(), action }),
  /** A node opened a live feed: publish writes on the change stream. */
  z.object({ version, type: z.literal('watcher'), from: z.string() }),
  /** A node's answer to a query: the body follows the message's line, or waits under `key`. */
  z.object({ version, type: z.literal('queryReply'), id: z.string(), node: z.string(), key: z.string().optional() }),
  /** A node's answer to an action. */
  z.object({
    version,
    type: z.literal('actionReply'),
    id: z.string(),
    reply: z.object({ node: z.string(), found: z.boolean(), delivered: z.number() }),
  }),
  /** A node's part writes (each part checked on its own by records.ts isPart). */
  z.object({ version, type: z.literal('parts'), node: z.string(), parts: z.array(z.unknown()) }),
  /** Sessions ended cluster-wide. */
  z.object({ version, type: z.literal('ended'), node: z.string(), sids: z.array(z.string()) }),
  /** A login or logout on one part of a session, for its parts on other nodes. */
  z.object({
    version,
    type: z.literal('login'),
    sid: z.string(),
    from: z.string(),
    username: z.string(),
    roles: z.array(z.string()),
    loggedIn: z.boolean(),
    isAdmin: z.boolean(),
    loginAt: z.number(),
  }),
]);

export type NodeMessage = z.infer<typeof nodeMessage>;
export type NodeMessageOf<T extends NodeMessage['type']> = Extract<NodeMessage, { type: T }>;

/** A message to send: the version is filled in here. */
export function nodeMessageText(msg: DistributiveOmit<NodeMessage, 'version'>): string {
  return JSON.stringify({ version: NODE_MESSAGE_VERSION, ...msg });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The message in `text`, checked; undefined (and logged) when it is not JSON, not a message of
 * this version, or not of its type's shape. `channel` is for the log line.
 */
export function parseNodeMessage(text: string, log: Logger, channel: string): NodeMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    log.warn(
      { event: 'cluster.message', channel, problem: err instanceof Error ? err.message : String(err) },
      'cluster message dropped: not JSON',
    );
    return undefined;
  }
  const seen = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
  if (seen !== NODE_MESSAGE_VERSION) {
    // A node of another version (a rolling upgrade): expected for a while, so not a warning.
    log.debug(
      { event: 'cluster.message', channel, version: seen },
      `cluster message dropped: version ${String(seen)}, this node speaks ${NODE_MESSAGE_VERSION}`,
    );
    return undefined;
  }
  const parsed = nodeMessage.safeParse(value);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
    log.warn({ event: 'cluster.message', channel, problem }, 'cluster message dropped: invalid');
    return undefined;
  }
  return parsed.data;
}
