import type { Cluster, Redis, Result } from 'ioredis';
import { CHECK_SCRIPT, END_SCRIPT, FORGET_SCRIPT, LOCK_SCRIPT, PUT_SCRIPT, REAP_PART_SCRIPT } from './lua.js';

/**
 * The Lua scripts as ioredis commands: ioredis sends `EVALSHA` (the 40-character digest)
 * and loads a script only when Redis answers `NOSCRIPT` (after a restart, say), pipelines
 * included. With `EVAL` every reap pipeline carried each script's full text once per session.
 */
const SCRIPTS = {
  stCheck: { numberOfKeys: 2, lua: CHECK_SCRIPT },
  stEnd: { numberOfKeys: 2, lua: END_SCRIPT },
  stReapPart: { numberOfKeys: 2, lua: REAP_PART_SCRIPT },
  stForget: { numberOfKeys: 4, lua: FORGET_SCRIPT },
  stLock: { numberOfKeys: 1, lua: LOCK_SCRIPT },
  stPut: { numberOfKeys: 2, lua: PUT_SCRIPT },
} as const;

type ScriptName = keyof typeof SCRIPTS;

declare module 'ioredis' {
  // Keys first, then arguments, as for EVAL (numberOfKeys above says where keys end).
  interface RedisCommander<Context> {
    stCheck(...keysAndArgs: string[]): Result<unknown, Context>;
    stEnd(...keysAndArgs: string[]): Result<unknown, Context>;
    stReapPart(...keysAndArgs: string[]): Result<unknown, Context>;
    stForget(...keysAndArgs: string[]): Result<unknown, Context>;
    stLock(...keysAndArgs: string[]): Result<unknown, Context>;
    stPut(...keysAndArgs: string[]): Result<unknown, Context>;
  }
}

/** Defines every script on a client (its pipelines get them too). */
export function defineScripts(client: Redis | Cluster): void {
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) client.defineCommand(name, SCRIPTS[name]);
}
