import { sessionInfoJson } from '../sessions/info-json.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import type { FeedSink, FeedSource, FeedView } from './source.js';

/**
 * This node's sessions moving: registry events as they happen, message counters when scanned.
 * Both sources use it (the cluster one for the sessions this node holds).
 */
export class RegistryMoves {
  /** Each session's message count when it was last reported. */
  private readonly counted = new WeakMap<Session, number>();
  private sink: FeedSink | undefined;
  private off: (() => void) | undefined;

  constructor(private readonly registry: SessionRegistry) {}

  /** Listening only while someone watches: no cost on the per-message path otherwise. */
  listen(sink: FeedSink): void {
    this.stop();
    this.sink = sink;
    this.off = this.registry.onChange((_, s) => {
      this.counted.set(s, s.messagesSent);
      sink.moved(s.id);
    });
    for (const s of this.registry.values()) this.counted.set(s, s.messagesSent);
  }

  stop(): void {
    this.off?.();
    this.off = this.sink = undefined;
  }

  /** Reports the sessions whose message count moved since they were last reported. */
  scan(): void {
    const sink = this.sink;
    if (!sink) return;
    for (const s of this.registry.values()) {
      if (this.counted.get(s) === s.messagesSent) continue;
      this.counted.set(s, s.messagesSent);
      sink.counted(s.id);
    }
  }
}

/** A live session of this node as a feed shows it, its JSON from the session's cached pieces. */
export function localView(s: Session, now: number): FeedView {
  return { sid: s.id, createdAt: s.createdAt, username: s.username, project: s.project, json: () => sessionInfoJson(s, now) };
}

/** This node's sessions (a single node's feeds, and `scope: "node"` in a cluster). */
export class LocalFeedSource implements FeedSource {
  readonly ready = true;
  private readonly moves: RegistryMoves;

  constructor(private readonly registry: SessionRegistry) {
    this.moves = new RegistryMoves(registry);
  }

  start(sink: FeedSink): undefined {
    this.moves.listen(sink);
    return undefined;
  }

  stop(): void {
    this.moves.stop();
  }

  *sids(): Generator<string> {
    for (const s of this.registry.values()) yield s.id;
  }

  view(sid: string, now: number): FeedView | undefined {
    const s = this.registry.get(sid);
    return s && localView(s, now);
  }

  scan(): void {
    this.moves.scan();
  }
}
