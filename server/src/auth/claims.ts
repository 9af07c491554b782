import { decodeJwt } from 'jose';
import { LIMITS } from '@session-tracker/shared';

/**
 * The username a failed login claimed, read from the token's payload WITHOUT verifying it:
 * for the record of who tried, never to decide anything. Not a JWT (a wrong admin token,
 * garbage): "". The token itself is never kept or logged.
 */
export function claimedUsername(token: string): string {
  if (token.length > LIMITS.tokenMaxLength) return '';
  try {
    const payload = decodeJwt(token);
    const name =
      typeof payload.preferred_username === 'string' && payload.preferred_username !== '' ? payload.preferred_username : payload.sub;
    return typeof name === 'string' ? name.slice(0, 256) : '';
  } catch {
    return '';
  }
}
