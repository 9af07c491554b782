// HS256 JWTs for the bench's logged-in sessions, signed with node:crypto so the
// load workers need no JWT library.
import { createHmac } from 'node:crypto';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function signJwt(claims, secret, ttlSeconds = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url({ iat: now, exp: now + ttlSeconds, ...claims });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}
