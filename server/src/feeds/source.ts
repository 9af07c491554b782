/**
 * What the feed engine (engine.ts) reads its sessions from: this node's registry (local.ts)
 * or the whole cluster (cluster/feed-source.ts). A source knows sessions and when they move;
 * the engine knows subscribers, filters, timing and sockets.
 */

/** A session as a feed shows it: what its filters read, its place in a snapshot, its JSON. */
export interface FeedView {
  readonly sid: string;
  readonly createdAt: number;
  readonly username: string;
  readonly project: string;
  /**
   * Its SessionInfo as JSON text, made only when a subscriber's filters let it through (most
   * moves of a busy node concern sessions nobody watches). A snapshot streams it piece by piece.
   */
  json(): string;
}

/** Where a source reports the sessions that may look different now. */
export interface FeedSink {
  /** Come, changed (pages, login, state…) or gone: whoever watches may need to hear of it. */
  moved(sid: string): void;
  /**
   * Only its counters moved: username and project are as they were, so no filter's verdict
   * changed, and only the subscribers that see it need to hear of it.
   */
  counted(sid: string): void;
}

export interface FeedSource {
  /**
   * The first subscriber came: start reporting moves to `sink`. A promise when the source must
   * first gather what it serves (the cluster asks the other nodes); nothing when it is ready
   * at once. A rejection stops the source: the next subscriber starts it again.
   */
  start(sink: FeedSink): Promise<void> | undefined;
  /** The last subscriber left (or start failed): stop listening, forget everything. */
  stop(): void;
  /**
   * False while the source is (re)filling: views may be incomplete, so the engine holds what
   * moved until it is ready again.
   */
  readonly ready: boolean;
  /** Every session it serves, for a snapshot (any order: the engine sorts). */
  sids(): Iterable<string>;
  /** A session as it looks now; undefined once it has ended. */
  view(sid: string, now: number): FeedView | undefined;
  /**
   * Counters (messages) move on every message, too often to report each: the engine asks the
   * source to report the ones that moved (`sink.counted`) once every COUNTER_SCAN_MS.
   */
  scan(): void;
}
