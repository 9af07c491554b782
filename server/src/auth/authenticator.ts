import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ErrorCode } from '@session-tracker/shared';
import { RpcError } from '../errors.js';
import { safeEqual } from '../sessions/tokens.js';

export interface Identity {
  username: string;
  roles: string[];
  isAdmin: boolean;
  via: 'admin-token' | 'jwt';
}

export interface AuthOptions {
  adminToken: string;
  jwtSecret: string | undefined;
  jwtPublicKey: string | undefined;
  adminRoles: readonly string[];
  clockToleranceSec: number;
}

const EC_ALGS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

function publicKeyAlg(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const alg = EC_ALGS[curve];
    if (alg) return alg;
  }
  throw new RangeError(`jwtPublicKey: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use RSA or EC P-256/384/521)`);
}

const badToken = (reason: string): RpcError => new RpcError(ErrorCode.BadToken, `Bad or expired token: ${reason}`);

/** Turns a token (the admin token or a JWT) into an identity; throws -32001 otherwise. */
export class Authenticator {
  private readonly secret: Uint8Array | undefined;
  private readonly publicKey: KeyObject | undefined;
  private readonly publicAlg: string | undefined;

  constructor(private readonly opts: AuthOptions) {
    this.secret = opts.jwtSecret ? new TextEncoder().encode(opts.jwtSecret) : undefined;
    if (opts.jwtPublicKey) {
      this.publicKey = createPublicKey(opts.jwtPublicKey);
      this.publicAlg = publicKeyAlg(this.publicKey);
    }
  }

  async authenticate(token: string): Promise<Identity> {
    if (safeEqual(token, this.opts.adminToken)) {
      return { username: 'admin', roles: [...this.opts.adminRoles], isAdmin: true, via: 'admin-token' };
    }
    if (token.split('.').length !== 3) throw badToken('not the admin token and not a JWT');
    if (!this.secret && !this.publicKey) throw badToken('JWT logins are not configured on this server');
    const payload = await this.verify(token);
    const username =
      typeof payload.preferred_username === 'string' && payload.preferred_username !== '' ? payload.preferred_username : payload.sub;
    if (!username) throw badToken('the token names no user (preferred_username or sub)');
    const roles = readRoles(payload.roles);
    const isAdmin = roles.some((r) => this.opts.adminRoles.includes(r));
    return { username, roles, isAdmin, via: 'jwt' };
  }

  private async verify(token: string): Promise<JWTPayload> {
    // Algorithms are pinned to the key type, so `alg: none` and key confusion are refused.
    const algorithms = [...(this.secret ? ['HS256'] : []), ...(this.publicAlg ? [this.publicAlg] : [])];
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          if (header.alg === 'HS256' && this.secret) return this.secret;
          if (header.alg === this.publicAlg && this.publicKey) return this.publicKey;
          throw new joseErrors.JOSEAlgNotAllowed(`algorithm ${String(header.alg)} is not allowed`);
        },
        { algorithms, clockTolerance: this.opts.clockToleranceSec },
      );
      return payload;
    } catch (err) {
      throw badToken(describeJoseError(err));
    }
  }
}

function readRoles(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((r): r is string => typeof r === 'string');
  return [];
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim check failed (${err.claim})`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  return 'token rejected';
}
