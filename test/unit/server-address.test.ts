import { describe, expect, it } from 'vitest';
import { clientAddress, trustList } from '@session-tracker/server';

describe('clientAddress', () => {
  const trusted = trustList(['10.0.0.0/8', '127.0.0.1', '::1']);

  it('is the peer when no proxy is trusted', () => {
    expect(clientAddress('::ffff:192.0.2.7', '198.51.100.1', undefined)).toBe('192.0.2.7');
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientAddress('192.0.2.7', '198.51.100.1', trusted)).toBe('192.0.2.7');
  });

  it('takes the right-most untrusted hop behind trusted proxies', () => {
    // The client forged "6.6.6.6"; the first untrusted hop from the right is the real one.
    expect(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.1, 10.1.2.3', trusted)).toBe('198.51.100.1');
  });

  it('reads repeated headers as one list', () => {
    expect(clientAddress('127.0.0.1', ['203.0.113.9', '10.0.0.2'], trusted)).toBe('203.0.113.9');
  });

  it('falls back to the peer when the chain holds garbage', () => {
    expect(clientAddress('127.0.0.1', 'not-an-ip', trusted)).toBe('127.0.0.1');
  });

  it('takes the left-most hop when every hop is trusted', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.5, 10.0.0.6', trusted)).toBe('10.0.0.5');
  });

  it('works for IPv6 peers', () => {
    expect(clientAddress('::1', '2001:db8::1', trusted)).toBe('2001:db8::1');
  });

  it('refuses a bad CIDR with a message naming it', () => {
    expect(() => trustList(['10.0.0.0/99'])).toThrow(/10\.0\.0\.0\/99/);
    expect(() => trustList(['nope'])).toThrow(/nope/);
  });
});
