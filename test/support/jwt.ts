import { SignJWT, type JWTPayload } from 'jose';
import { JWT_SECRET } from './server.js';

export interface SignOptions {
  /** HS256 secret; the test server's by default. */
  secret?: string;
  /** `exp` as epoch seconds, or a jose time span such as `'1h'` or `'-1m'` style offsets. */
  expiresAt?: number | string;
}

/** Signs an HS256 JWT with the given claims (`preferred_username`, `sub`, `roles`...). */
export async function signJwt(
  claims: JWTPayload & { roles?: string[]; preferred_username?: string },
  options: SignOptions = {},
): Promise<string> {
  let jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  jwt = jwt.setExpirationTime(options.expiresAt ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** A token for `username` (as `preferred_username`) holding `roles`. */
export function userToken(username: string, roles: string[] = []): Promise<string> {
  return signJwt({ sub: `sub-${username}`, preferred_username: username, roles });
}
