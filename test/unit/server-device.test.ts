import { describe, expect, it } from 'vitest';
import { parseDevice } from '@session-tracker/server';

describe('parseDevice', () => {
  it('parses a desktop Chrome', () => {
    const d = parseDevice(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    );
    expect(d).toEqual({ browser: 'Chrome 126', os: 'Windows 10', type: 'desktop' });
  });

  it('parses an iPhone Safari as mobile', () => {
    const d = parseDevice(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    );
    expect(d.type).toBe('mobile');
    expect(d.os).toMatch(/^iOS 17/);
    expect(d.browser).toMatch(/Safari 17/);
  });

  it('gives empty fields for an empty or unknown agent', () => {
    expect(parseDevice('')).toEqual({ browser: '', os: '', type: '' });
    expect(parseDevice('node-fetch/1.0')).toEqual({ browser: '', os: '', type: '' });
  });

  it('returns the same object for the same agent (shared, not copied per session)', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    expect(parseDevice(ua)).toBe(parseDevice(ua));
  });
});
