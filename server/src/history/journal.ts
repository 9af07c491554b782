import type { Logger } from 'pino';
import type { Session } from '../sessions/session.js';
import { RollupSampler } from './rollup.js';
import type { EventRecord, EndedRecord, HistoryStore, LiveRecord, RollupRecord, WriteBatch } from './store.js';

export interface JournalOptions {
  /** How often buffered history is written: the most a crash loses. */
  flushMs: number;
  /** Rows older than this are pruned; 0 keeps everything. */
  retentionMs: number;
  /** Most records held unwritten while the store fails; past it the oldest events go (counted, logged). */
  maxPending: number;
  /** Live sessions are saved for a restart (a data directory on a single node). */
  keepLive: boolean;
  /** This node's name in the rollup rows (nodes of a cluster write their own rows, added up when read). */
  node?: string;
}

/** Rollup rows held while the store fails (a day of 7 projects): past it the oldest go. */
const ROLLUP_PENDING_MAX = 10_000;

/** Where the journal reads live sessions from when it saves them (the registry's sessions). */
export type LiveSource = () => Iterable<Session>;

/** Rows pruned per turn, so pruning a year of history never stalls the event loop. */
const PRUNE_SLICE = 2_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** Records written per transaction: 15,000 in one would hold the event loop for tens of ms. */
const SLICE = 1_000;

/** Cuts a batch into slices of at most SLICE records, in order (events, ended, gone, live). */
function slice(all: WriteBatch): WriteBatch[] {
  const out: WriteBatch[] = [];
  let cur: WriteBatch = { events: [], ended: [], gone: [], live: [], rollup: [] };
  let n = 0;
  const push = <K extends keyof WriteBatch>(key: K, items: NonNullable<WriteBatch[K]>) => {
    for (const item of items) {
      if (n === SLICE) {
        out.push(cur);
        cur = { events: [], ended: [], gone: [], live: [], rollup: [] };
        n = 0;
      }
      (cur[key] as unknown[] | undefined)?.push(item);
      n++;
    }
  };
  push('events', all.events);
  push('ended', all.ended);
  push('gone', all.gone);
  push('live', all.live);
  push('rollup', all.rollup ?? []);
  if (n > 0) out.push(cur);
  return out;
}

/**
 * Buffers history off the message path and writes it in batches, one transaction per flush;
 * saves live sessions that changed, for a restart; prunes past the retention in the
 * background. Nothing here runs per message.
 */
export class HistoryJournal {
  private events: EventRecord[] = [];
  private ended: EndedRecord[] = [];
  private gone: string[] = [];
  /** Rollup rows not written yet, by minute, project and node: a newer row of the same key replaces the older. */
  private rollup = new Map<string, RollupRecord>();
  private readonly sampler: RollupSampler;
  /** Live sessions captured for the next write (at shutdown, before the registry lets them go). */
  private captured: LiveRecord[] = [];
  private readonly saved = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private pruneTimer: NodeJS.Timeout | undefined;
  private dropped = 0;
  /** Events dropped past maxPending since start: the /metrics counter. */
  droppedTotal = 0;
  /** Writes failing in a row: the first is logged as an error, the recovery as info (not one line a flush). */
  private failing = 0;
  /** Records of the write in progress, not written yet. */
  private writing = 0;
  private closed = false;
  private source: LiveSource | undefined;

  constructor(
    readonly store: HistoryStore,
    private readonly log: Logger,
    private readonly opts: JournalOptions,
  ) {
    this.sampler = new RollupSampler(opts.node ?? 'local');
    this.flushTimer = setInterval(() => {
      this.sampleRollup();
      void this.flush(true);
    }, opts.flushMs);
    this.flushTimer.unref();
    if (opts.retentionMs > 0) {
      // First prune soon after start (a tracker restarted after a long stop), then hourly.
      this.pruneTimer = setTimeout(() => void this.pruneLoop(), Math.min(10_000, opts.flushMs * 10));
      this.pruneTimer.unref();
    }
  }

  /** Live sessions come from here (set once the registry exists). */
  watchLive(source: LiveSource): void {
    this.source = source;
  }

  record(e: EventRecord): void {
    if (this.closed) return;
    this.events.push(e);
    this.bound();
  }

  sessionEnded(rec: EndedRecord): void {
    if (this.closed) return;
    this.ended.push(rec);
    if (this.opts.keepLive) {
      this.saved.delete(rec.id);
      this.gone.push(rec.id);
    }
    this.bound();
  }

  /**
   * Samples the rollup for the next write: each flush interval, and before the rollup is read.
   * Not on every flush: a history query flushes first, and a rollup row rewritten (a transaction)
   * per query would make each page wait on a commit.
   */
  sampleRollup(): void {
    if (this.source !== undefined && !this.closed) this.keepRollup(this.sampler.sample(this.source(), Date.now()));
  }

  /** A session ends: its last bytes count in the rollup's minute. */
  sessionGone(s: Session): void {
    this.sampler.final(s);
  }

  private keepRollup(rows: readonly RollupRecord[]): void {
    for (const r of rows) this.rollup.set(`${r.minute}\u0000${r.project}\u0000${r.node}`, r);
    for (const key of this.rollup.keys()) {
      if (this.rollup.size <= ROLLUP_PENDING_MAX) break;
      this.rollup.delete(key);
    }
  }

  private bound(): void {
    // Records of a write in progress count too: they are held until it is done.
    const over = this.pending - this.opts.maxPending;
    if (over <= 0) return;
    // Events go first (an ended session's record is the part nobody can rebuild), oldest first,
    // but not those of a write the store may have landed (a COMMIT without an answer): dropped,
    // they would be counted lost and then turn up. There are a slice's worth at most, held over
    // the bound until the store settles them.
    const maybe = this.store.mayHaveWritten?.bind(this.store);
    const kept: EventRecord[] = [];
    let cut = 0;
    let i = 0;
    while (i < this.events.length && cut < over) {
      const e = this.events[i++] as EventRecord;
      if (maybe?.(e)) kept.push(e);
      else cut++;
    }
    this.events.splice(0, i, ...kept);
    this.dropped += cut;
    this.droppedTotal += cut;
  }

  /** Records held unwritten now (events and ended sessions), a write in progress included: the /metrics gauge. */
  get pending(): number {
    return this.events.length + this.ended.length + this.writing;
  }

  /**
   * What a history read waits for first: what is buffered, written (the asker may look for what
   * happened a moment ago), but never longer than `maxWaitMs`, and not at all while the store
   * fails (the timer's flushes retry; a read must not queue behind a write that cannot land).
   */
  async beforeRead(maxWaitMs: number): Promise<void> {
    if (this.failing > 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
    });
    await Promise.race([this.flush(), late]);
    clearTimeout(timer);
  }

  /** Writes what is buffered (with `saveLive`, and the live sessions that changed); one flush at a time. */
  flush(saveLive = false): Promise<void> {
    this.flushing ??= this.write(saveLive).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * `saveLive`: also the live sessions that changed (each flush interval, and at close). Not on
   * the flush a history query does first: the asker's own session changes with every call, and
   * saving it would make each page wait on a commit.
   */
  private async write(saveLive: boolean): Promise<void> {
    if (this.dropped > 0) {
      this.log.warn({ event: 'history.dropped', events: this.dropped }, 'history events dropped: the store is not keeping up');
      this.dropped = 0;
    }
    const rollup = [...this.rollup.values()];
    this.rollup.clear();
    const slices = slice({
      events: this.events,
      ended: this.ended,
      gone: this.gone,
      live: [...this.captured, ...(saveLive ? this.changedLive() : [])],
      rollup,
    });
    this.events = [];
    this.ended = [];
    this.gone = [];
    this.captured = [];
    this.writing = slices.reduce((n, b) => n + b.events.length + b.ended.length, 0);
    for (let i = 0; i < slices.length; i++) {
      const batch = slices[i] as WriteBatch;
      try {
        // One transaction per slice, a turn of the event loop between: a burst never stalls it.
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        await this.store.write(batch);
        this.writing -= batch.events.length + batch.ended.length;
      } catch (err) {
        this.writing = 0;
        // A store that is down fails every flush: one error line when it starts, then one a minute.
        if (this.failing++ % Math.max(1, Math.round(60_000 / this.opts.flushMs)) === 0) {
          this.log.error({ err, event: 'history.write_failed', failures: this.failing }, 'history write failed; kept for the next flush');
        }
        // What was not written goes back in front, in order; the bound applies.
        const rest = slices.slice(i);
        this.events = [...rest.flatMap((b) => b.events), ...this.events];
        this.ended = [...rest.flatMap((b) => b.ended), ...this.ended];
        this.gone = [...rest.flatMap((b) => b.gone), ...this.gone];
        // Rows sampled meanwhile are newer than those that failed: they win.
        const newer = [...this.rollup.values()];
        this.rollup.clear();
        this.keepRollup([...rest.flatMap((b) => b.rollup ?? []), ...newer]);
        for (const b of rest) for (const l of b.live) this.saved.delete(l.id);
        this.bound();
        return;
      }
    }
    if (this.failing > 0) {
      this.log.info({ event: 'history.write_recovered', failures: this.failing }, 'history writes go through again');
      this.failing = 0;
    }
  }

  /** Takes the live sessions as they are now, for the next write: shutdown calls it before they end. */
  captureLive(): void {
    this.captured.push(...this.changedLive());
  }

  private changedLive(): LiveRecord[] {
    if (!this.opts.keepLive || this.source === undefined) return [];
    const out: LiveRecord[] = [];
    for (const s of this.source()) {
      const signature = s.saveSignature;
      if (this.saved.get(s.id) === signature) continue;
      this.saved.set(s.id, signature);
      out.push(s.save());
    }
    return out;
  }

  private async pruneLoop(): Promise<void> {
    try {
      const before = Date.now() - this.opts.retentionMs;
      let total = 0;
      for (;;) {
        if (this.closed) return;
        const n = await this.store.prune(before, PRUNE_SLICE);
        total += n;
        if (n < PRUNE_SLICE) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (total > 0) this.log.info({ event: 'history.pruned', rows: total, before: new Date(before).toISOString() }, 'history pruned');
    } catch (err) {
      this.log.error({ err }, 'history prune failed');
    }
    if (!this.closed) {
      this.pruneTimer = setTimeout(() => void this.pruneLoop(), PRUNE_EVERY_MS);
      this.pruneTimer.unref();
    }
  }

  /** Final flush (live sessions saved as they are now), then the store closes. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    await this.flushing;
    this.sampleRollup();
    await this.flush(true);
    this.closed = true;
    await this.store.close();
  }
}
