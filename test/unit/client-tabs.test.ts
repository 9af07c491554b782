/**
 * Tabs converge on one session (issue 10, item 6), the pure parts: the `converge()` rule,
 * the subprotocols a token travels in, clients sharing a store in Node (no Web Locks, no
 * storage events), and a model of tabs without locks (storage events only, any order of
 * connects, welcomes and event deliveries) that must always end in one session.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStorage, type KeyValueStorage } from '@session-tracker/client';
import { converge, webLocksGate } from '../../client-sdk/src/connection/tabs.js';
import { ResumeToken, connectProtocols } from '../../client-sdk/src/connection/resume.js';
import { SafeStore } from '../../client-sdk/src/storage.js';
import { ManualClock, setup } from '../support/scripted-client.js';

describe('converge()', () => {
  const base = { mine: 'm', stored: null as string | null, dead: null as string | null, created: false, settled: false, atWelcome: true };
  it.each([
    ['at a welcome, nothing stored: store', { stored: null }, 'store'],
    ['the own token stored', { stored: 'm' }, 'store'],
    ['at a welcome, the refused token still stored: this tab is first', { stored: 'dead', dead: 'dead', created: true }, 'store'],
    ['at a welcome of a created session, another token stored first', { stored: 'a', created: true }, 'switch'],
    ['at a welcome of a resumed session, another token stored', { stored: 'a' }, 'switch'],
    ['a change: removed (a 4000 elsewhere, the app): left alone', { stored: null, atWelcome: false }, 'keep'],
    [
      'a change to a token this tab saw refused: left alone, never rewritten',
      { stored: 'dead', dead: 'dead', created: true, settled: true, atWelcome: false },
      'keep',
    ],
    [
      'a change: both stored, the smaller token stays and is rewritten',
      { stored: 'z', created: true, settled: true, atWelcome: false },
      'store',
    ],
    [
      'a change: both stored, the larger token joins the smaller',
      { stored: 'a', created: true, settled: true, atWelcome: false },
      'switch',
    ],
    ['a change: a resumed tab follows even a larger token', { stored: 'z', settled: true, atWelcome: false }, 'switch'],
  ] as const)('%s', (_name, patch, verdict) => {
    expect(converge({ ...base, ...patch })).toBe(verdict);
  });
});

describe('the token as a subprotocol', () => {
  it('offers session-tracker.v1, plus resume.<token> when the token can be a subprotocol', () => {
    expect(connectProtocols(null)).toEqual(['session-tracker.v1']);
    expect(connectProtocols('Ab-_09')).toEqual(['session-tracker.v1', 'resume.Ab-_09']);
    // Anything else in storage would make `new WebSocket()` throw a SyntaxError: left out.
    expect(connectProtocols('has space')).toEqual(['session-tracker.v1']);
    expect(connectProtocols('a,b')).toEqual(['session-tracker.v1']);
    expect(connectProtocols('x'.repeat(257))).toEqual(['session-tracker.v1']);
  });

  it('never puts the token in the URL, and drops a resume the caller put there', () => {
    const storage = memoryStorage();
    storage.setItem('session-tracker:resume:default', 'tok-old');
    const { last } = setup({ storage, extra: { url: 'ws://tracker.test/ws?resume=leaked&x=1' } });
    expect(last().url).toBe('ws://tracker.test/ws?x=1');
    expect(last().protocols).toEqual(['session-tracker.v1', 'resume.tok-old']);
  });
});

describe('clients sharing one store (Node: no locks, no storage events)', () => {
  it.each([
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0],
  ])('after the session died, welcomes in order %i %i %i end in one session', (...order) => {
    const storage = memoryStorage();
    storage.setItem('session-tracker:resume:default', 'tok-dead');
    const clock = new ManualClock();
    const tabs = [0, 1, 2].map(() => setup({ storage, clock }));
    for (const t of tabs) expect(t.last().protocols).toEqual(['session-tracker.v1', 'resume.tok-dead']);
    // Every tab comes back with the dead token; the server gives each a fresh session.
    for (const i of order) tabs[i]!.up(`s${i}`, false);
    const first = `s${order[0]}`;
    expect(storage.getItem('session-tracker:resume:default')).toBe(`tok-${first}`);
    expect(tabs[order[0]!]!.c.state).toBe('connected');
    clock.advance(1_000); // the others reconnect through the backoff, with the stored token
    for (const i of order.slice(1)) {
      const tab = tabs[i]!;
      expect(tab.c.sessionId).toBeNull(); // never announced the abandoned session
      expect(tab.sockets).toHaveLength(2);
      expect(tab.last().protocols).toEqual(['session-tracker.v1', `resume.tok-${first}`]);
      tab.up(first, true);
    }
    expect(tabs.map((t) => [t.c.state, t.c.sessionId])).toEqual(tabs.map(() => ['connected', first]));
    expect(storage.getItem('session-tracker:resume:default')).toBe(`tok-${first}`);
  });
});

/** Browser tabs without Web Locks: they meet only through the stored token and its events. */
function model(tabCount: number, seed: number, refusals: boolean[] = []) {
  const shared = { value: 'dead0' as string | null };
  const alive = new Map<string, string>(); // token → session id
  let sessions = 0;
  let switches = 0;
  const tabs = Array.from({ length: tabCount }, (_, i) => {
    const storage: KeyValueStorage = {
      getItem: () => shared.value,
      setItem: (_k, v) => {
        if (shared.value === v) return; // no event for an equal value, as in browsers
        shared.value = v;
        for (const other of tabs) if (other.index !== i) other.events++;
      },
      removeItem: () => {
        shared.value = null;
      },
    };
    return {
      index: i,
      token: new ResumeToken(new SafeStore(storage), 'k'),
      state: 'idle' as 'idle' | 'connecting' | 'connected',
      offered: null as string | null,
      session: null as { id: string; token: string } | null,
      events: 0,
    };
  });
  type Tab = (typeof tabs)[number];
  const actions = (t: Tab): (() => void)[] => {
    const out: (() => void)[] = [];
    if (t.state === 'idle') {
      out.push(() => {
        t.offered = t.token.offer();
        t.state = 'connecting';
      });
    }
    if (t.state === 'connecting') {
      out.push(() => {
        let session: { id: string; token: string };
        let resumed = false;
        // A refusal stands for a resume that fails although the session lives (a cluster
        // node that cannot see it, say): the server starts a fresh session instead.
        const refused = refusals.shift() === true;
        const id = t.offered === null || refused ? undefined : alive.get(t.offered);
        if (id !== undefined && t.offered !== null) {
          session = { id, token: t.offered };
          resumed = true;
        } else {
          sessions++;
          // Tokens in an order unrelated to creation, as random ones are.
          session = { id: `s${sessions}`, token: `t${((sessions * 2654435761 + seed) >>> 0).toString(36).padStart(7, '0')}` };
          alive.set(session.token, session.id);
        }
        if (t.token.welcomed(session.id, session.token, resumed) === 'store') {
          t.state = 'connected';
          t.session = session;
        } else {
          t.state = 'idle';
          switches++;
        }
      });
    }
    if (t.events > 0) {
      out.push(() => {
        t.events--;
        if (t.state !== 'connected' || t.session === null) return;
        if (t.token.recheck(t.session.id, t.session.token) === 'switch') {
          t.state = 'idle';
          t.session = null;
          switches++;
        }
      });
    }
    return out;
  };
  return {
    tabs,
    shared,
    get switches() {
      return switches;
    },
    enabled: () => tabs.flatMap(actions),
  };
}

describe('tabs without Web Locks converge through storage events', () => {
  it('any interleaving of connects, welcomes and event deliveries ends in one session, with few switches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.nat(), fc.array(fc.nat(), { maxLength: 300 }), (tabCount, seed, choices) => {
        const m = model(tabCount, seed);
        let steps = 0;
        for (;;) {
          const enabled = m.enabled();
          if (enabled.length === 0) break;
          const pick = steps < choices.length ? (choices[steps] ?? 0) : steps;
          enabled[pick % enabled.length]!();
          steps++;
          if (steps > 2_000) throw new Error('no convergence after 2000 steps');
        }
        const tokens = new Set(m.tabs.map((t) => t.session?.token));
        expect(m.tabs.every((t) => t.state === 'connected')).toBe(true);
        expect(tokens.size).toBe(1);
        expect(m.shared.value).toBe([...tokens][0]);
        // Each tab moves a bounded number of times (no storms): at most once per other tab.
        expect(m.switches).toBeLessThanOrEqual(tabCount * tabCount);
      }),
      { numRuns: 500 },
    );
  });

  it('resumes that fail for live sessions may leave tabs apart, but nothing loops: no storm of writes or reconnects', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.nat(),
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (tabCount, seed, refusals, choices) => {
          const m = model(tabCount, seed, [...refusals]);
          let steps = 0;
          for (;;) {
            const enabled = m.enabled();
            if (enabled.length === 0) break;
            enabled[(steps < choices.length ? (choices[steps] ?? 0) : steps) % enabled.length]!();
            steps++;
            if (steps > 2_000) throw new Error('still moving after 2000 steps');
          }
          expect(m.tabs.every((t) => t.state === 'connected')).toBe(true);
          expect(m.switches).toBeLessThanOrEqual(tabCount * (tabCount + refusals.length));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** An exclusive, FIFO lock manager in the shape of `navigator.locks`. */
function fakeLocks() {
  let held = false;
  /** Granted or about to be: later requests queue. */
  let busy = false;
  const queue: (() => void)[] = [];
  const requests: string[] = [];
  const next = (): void => {
    const start = queue.shift();
    if (start === undefined) busy = false;
    else start();
  };
  return {
    requests,
    get held() {
      return held;
    },
    request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown> {
      requests.push(name);
      return new Promise((resolve, reject) => {
        const start = (): void => {
          if (options.signal.aborted) {
            reject(new Error('AbortError'));
            next();
            return;
          }
          held = true;
          Promise.resolve(callback()).then(() => {
            held = false;
            resolve(undefined);
            next();
          });
        };
        options.signal.addEventListener('abort', () => {
          const i = queue.indexOf(start);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(new Error('AbortError'));
          }
        });
        if (busy) queue.push(start);
        else {
          busy = true;
          queueMicrotask(start);
        }
      });
    },
  };
}

describe('webLocksGate', () => {
  const tick = () => new Promise<void>((r) => setTimeout(r, 0));
  const withNavigator = async (locks: unknown, body: () => Promise<void>): Promise<void> => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true });
    try {
      await body();
    } finally {
      if (had) Object.defineProperty(globalThis, 'navigator', had);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  };

  it('is null without navigator.locks', async () => {
    await withNavigator(undefined, async () => {
      expect(webLocksGate('n', new ManualClock())).toBeNull();
    });
  });

  it('gives one tab the turn at a time; a cancelled wait never runs', async () => {
    const locks = fakeLocks();
    await withNavigator(locks, async () => {
      const gate = webLocksGate('session-tracker:connect:P', new ManualClock())!;
      const ran: string[] = [];
      const endA = gate.acquire(() => ran.push('a'), 10_000);
      const endB = gate.acquire(() => ran.push('b'), 10_000);
      const endC = gate.acquire(() => ran.push('c'), 10_000);
      await tick();
      expect(ran).toEqual(['a']);
      endB(); // b gave up (its client disconnected) while waiting
      endA();
      await tick();
      await tick();
      expect(ran).toEqual(['a', 'c']);
      endC();
      await tick();
      expect(locks.held).toBe(false);
      expect(locks.requests).toEqual(['session-tracker:connect:P', 'session-tracker:connect:P', 'session-tracker:connect:P']);
    });
  });

  it('goes without the lock after maxWaitMs, or at once when the request is refused', async () => {
    const clock = new ManualClock();
    const locks = fakeLocks();
    await withNavigator(locks, async () => {
      const gate = webLocksGate('n', clock)!;
      const ran: string[] = [];
      gate.acquire(() => ran.push('holder'), 1_000);
      await tick();
      gate.acquire(() => ran.push('waiter'), 1_000);
      await tick();
      expect(ran).toEqual(['holder']);
      clock.advance(1_000);
      expect(ran).toEqual(['holder', 'waiter']);
    });
    const refusing = { request: () => Promise.reject(new Error('SecurityError')) };
    await withNavigator(refusing, async () => {
      const ran: string[] = [];
      webLocksGate('n', clock)!.acquire(() => ran.push('x'), 60_000);
      await tick();
      expect(ran).toEqual(['x']);
    });
  });
});
