/**
 * Redis Cluster slots (server/src/cluster/batch.ts keySlot, used to group a batch's commands
 * per master) and the key layout (keys.ts): a session's keys share a slot of their own, node
 * keys share the `{prefix}` slot.
 */
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../server/src/cluster/batch.js';
import { Keys } from '../../server/src/cluster/keys.js';

describe('keySlot', () => {
  it('is CRC16/XMODEM modulo 16384, as the Redis Cluster specification gives it', () => {
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182); // CLUSTER KEYSLOT foo
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar')); // an empty tag: the whole key
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
  });
});

describe('key layout', () => {
  const k = new Keys('st');
  it("keeps one session's keys in one slot, apart from other sessions and from node keys", () => {
    expect(keySlot(k.parts('s1'))).toBe(keySlot(k.ended('s1')));
    const slots = new Set(Array.from({ length: 100 }, (_, i) => keySlot(k.parts(`s${i}`))));
    expect(slots.size).toBeGreaterThan(90);
    const node = [k.nodes, k.beats, k.retired, k.reaperLock, k.watched, k.alive('a'), k.nodeParts('a')].map(keySlot);
    expect(new Set(node).size).toBe(1);
  });

  it('gives each resume token a key of its own slot', () => {
    expect(keySlot(k.token('abc'))).not.toBe(keySlot(k.token('abd')));
  });
});
