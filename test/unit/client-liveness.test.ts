/**
 * Client SDK liveness (contract 1.1), on a scripted socket and a manual clock: silent for
 * the welcome's `heartbeatMs` → `session.ping`; nothing within another `heartbeatMs` →
 * the socket is closed, the client goes `connecting`, reconnects, resumes, re-announces
 * its pages; calls in flight fail at once instead of waiting for their own timeout.
 */
import { describe, expect, it } from 'vitest';
import { isClientError } from '@session-tracker/client';
import { setup } from '../support/scripted-client.js';

const HB = 1_000;
const methods = (sent: Record<string, unknown>[]) => sent.map((m) => m.method);

describe('liveness', () => {
  it('a silent connection is pinged after heartbeatMs (from the welcome); an answer keeps it', () => {
    const { c, clock, last, up } = setup();
    up('s1', false, HB);
    clock.advance(HB - 1);
    expect(last().sent).toEqual([]);
    clock.advance(1);
    expect(methods(last().sent)).toEqual(['session.ping']);
    expect(last().sent[0]).not.toHaveProperty('params');
    last().answer(0, { serverTime: 1 });
    clock.advance(HB - 1);
    expect(c.state).toBe('connected');
    expect(methods(last().sent)).toEqual(['session.ping']); // silence counts from the answer
    clock.advance(1);
    expect(methods(last().sent)).toEqual(['session.ping', 'session.ping']);
    last().answer(1, { serverTime: 2 });
    clock.advance(HB);
    expect(methods(last().sent)).toEqual(['session.ping', 'session.ping', 'session.ping']);
    expect(c.state).toBe('connected');
    clock.advance(HB); // the third goes unanswered
    expect(c.state).toBe('connecting');
  });

  it('any frame is a sign of life: traffic postpones the ping', () => {
    const { clock, last, up } = setup();
    up('s1', false, HB);
    for (let i = 0; i < 5; i++) {
      clock.advance(HB - 100);
      last().receive({ jsonrpc: '2.0', method: 'session.message', params: { type: 't', payload: i } });
    }
    expect(last().sent).toEqual([]);
    clock.advance(HB);
    expect(methods(last().sent)).toEqual(['session.ping']);
    // An answer to something else, or a notification, counts as much as the ping's answer.
    last().receive({ jsonrpc: '2.0', method: 'session.message', params: { type: 't' } });
    clock.advance(HB - 1);
    expect(last().closedWith).toBeNull();
  });

  it('no answer within another heartbeatMs: closed, connecting, reconnected, resumed, pages re-announced', async () => {
    const { c, clock, sockets, states, last, up } = setup();
    up('s1', false, HB);
    const opened = c.openPage({ pageId: 'p', path: '/a' });
    last().answer(0, { pageId: 'p' });
    await opened;
    const dead = last();

    clock.advance(HB); // silence → ping
    expect(methods(dead.sent)).toEqual(['page.open', 'session.ping']);
    // A call made on the half-open socket, and a navigation.
    const self = c.self().catch((e: unknown) => e);
    const nav = c.updatePage('p', { path: '/b' });
    expect(methods(dead.sent)).toEqual(['page.open', 'session.ping', 'session.self', 'page.update']);
    clock.advance(HB - 1);
    expect(c.state).toBe('connected');
    clock.advance(1); // one heartbeat after the ping, nothing came
    expect(c.state).toBe('connecting');
    expect(dead.closedWith).not.toBeNull();
    expect(states.at(-1)).toMatchObject({ oldState: 'connected', newState: 'connecting', code: 1006 });
    expect(states.at(-1)?.reason).toMatch(/session\.ping/);
    // The call in flight fails now (its own 10 s timeout is far away), with a coded error.
    const err = await self;
    expect(isClientError(err, 'DISCONNECTED')).toBe(true);

    clock.advance(50); // backoff: 0.5 * 100
    expect(sockets).toHaveLength(2);
    expect(last().protocols).toEqual(['session-tracker.v1', 'resume.tok-s1']);
    up('s1', true, HB);
    // The navigation made meanwhile is not lost: the page comes back with the new path.
    expect(last().sent[0]).toMatchObject({ method: 'page.open', params: { pageId: 'p', path: '/b' } });
    last().answer(0, { pageId: 'p' });
    await expect(nav).resolves.toBeUndefined();
    expect(c.state).toBe('connected');
  });

  it('uses the heartbeatMs of the latest welcome', () => {
    const { clock, last, up } = setup();
    up('s1', false, 5 * HB);
    clock.advance(5 * HB - 1);
    expect(last().sent).toEqual([]);
    last().serverClose(1001);
    clock.advance(50);
    up('s1', true, HB);
    clock.advance(HB);
    expect(methods(last().sent)).toEqual(['session.ping']);
  });

  it('no pings before the welcome, nor after a disconnect or close', () => {
    const { c, clock, sockets, last, up } = setup();
    last().open();
    clock.advance(2_999); // connect timeout is 3 000
    expect(last().sent).toEqual([]);
    last().welcome('s1', false, HB);
    c.disconnect();
    clock.advance(10 * HB);
    expect(sockets[0]?.sent).toEqual([]);
    c.connect();
    up('s1', true, HB);
    c.close();
    clock.advance(10 * HB);
    expect(last().sent).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('a timer that fires far too late (a stalled page) probes once more before giving up', () => {
    const { c, clock, last, up } = setup();
    up('s1', false, HB);
    clock.advance(HB);
    expect(methods(last().sent)).toEqual(['session.ping']);
    clock.stall(3 * HB); // the check runs 2 heartbeats late: no evidence against the socket
    expect(c.state).toBe('connected');
    expect(methods(last().sent)).toEqual(['session.ping', 'session.ping']);
    last().answer(1, { serverTime: 3 });
    clock.advance(HB);
    expect(c.state).toBe('connected');

    // Late twice in a row without a frame: dead after all.
    clock.advance(HB - 1);
    const pings = last().sent.length;
    clock.stall(3 * HB);
    expect(last().sent.length).toBe(pings + 1);
    clock.stall(3 * HB);
    expect(c.state).toBe('connecting');
  });
});
