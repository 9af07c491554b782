import { BlockList, isIP } from 'node:net';

/** `::ffff:1.2.3.4` is how an IPv4 peer looks on a dual-stack socket. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Parses CIDRs (or bare addresses) into a BlockList; throws naming the bad entry. */
export function trustList(cidrs: readonly string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const raw of cidrs) {
    const entry = raw.trim();
    const [addr = '', prefixText] = entry.split('/');
    const family = isIP(addr);
    if (family === 0) throw new RangeError(`trustProxy: "${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new RangeError(`trustProxy: "${entry}" has a bad prefix length`);
    }
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

function isTrusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For hop that is not itself a trusted proxy (hops left of it could be forged).
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: BlockList | undefined): string {
  const ip = normalizeIp(peer);
  if (!trusted || forwardedFor === undefined || !isTrusted(trusted, ip)) return ip;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normalizeIp(h.trim()))
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) return ip; // garbage in the chain: believe only the peer
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops[0] ?? ip;
}
