import { UAParser } from 'ua-parser-js';
import type { DeviceInfo } from '@session-tracker/shared';

const EMPTY: DeviceInfo = Object.freeze({ browser: '', os: '', type: '' }) as DeviceInfo;
const CACHE_MAX = 512;
/** Most sessions share a handful of user agents: parse each once and share the result. */
const cache = new Map<string, DeviceInfo>();

function join(name: string | undefined, version: string | undefined): string {
  if (!name) return '';
  return version ? `${name} ${version}` : name;
}

export function parseDevice(userAgent: string): DeviceInfo {
  if (userAgent === '') return EMPTY;
  const hit = cache.get(userAgent);
  if (hit) return hit;
  const r = new UAParser(userAgent).getResult();
  const isBot = /bot|crawler|spider|headless/i.test(userAgent);
  const device: DeviceInfo = Object.freeze({
    browser: join(r.browser.name, r.browser.major),
    os: join(r.os.name, r.os.version),
    // ua-parser-js leaves desktop devices without a type.
    type: isBot ? 'bot' : (r.device.type ?? (r.os.name || r.browser.name ? 'desktop' : '')),
  }) as DeviceInfo;
  if (cache.size >= CACHE_MAX) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(userAgent, device);
  return device;
}
