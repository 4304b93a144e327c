import { KeyObject } from 'node:crypto';
import { ForbiddenException, Injectable, UnauthorizedException, type Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from './auth-user.js';
import { TenantRegistry } from './tenant-registry.js';

export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

export class AuthOptions {
  allowedTenants: readonly string[] = [];
  /** Required `aud` for tenants whose entry names none (JWT_AUDIENCE); absent: not checked. */
  audience?: string;
  /** Leeway for `exp`, `nbf` and `iat` against this host's clock (JWT_CLOCK_SKEW_SECONDS). */
  clockSkewSeconds = 30;
}

/** The auth settings from the validated environment. */
export function authSettingsFromEnv(env: { JWT_AUDIENCE?: string; JWT_CLOCK_SKEW_SECONDS: number }): Pick<AuthOptions, 'audience' | 'clockSkewSeconds'> {
  return { audience: env.JWT_AUDIENCE, clockSkewSeconds: env.JWT_CLOCK_SKEW_SECONDS };
}

interface TokenClaims {
  iss: string;
  sub?: string;
  scope?: string;
  azp?: string;
  client_id?: string;
  exp?: number;
  iat?: number;
  aud?: string | string[];
}

/**
 * A passport-jwt strategy registered under `name` (passport's registry is process-wide, so
 * every app in a process gets its own). passport-jwt verifies signature, expiry, `nbf` and algorithm
 * (with the configured clock skew); the key comes from the JWKS of the issuer named in the token,
 * and only issuers of known tenants are trusted. `validate` adds what jsonwebtoken does not check:
 * a required `exp`, an `iat` not in the future, and the tenant's (or the global) audience.
 * Tokens enter the verified-token cache only after all of this passed, and no check here gets
 * weaker with time, so a cache hit never skips one (the cache is cleared when the tenant list,
 * and with it an audience, changes).
 */
export function createJwtStrategy(name: string): Type<unknown> {
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, name) {
    private readonly keySets = new Map<string, JWTVerifyGetKey>();
    private readonly pems = new WeakMap<object, string>();

    constructor(
      private readonly tenants: TenantRegistry,
      private readonly options: AuthOptions,
    ) {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        algorithms: [...ACCEPTED_ALGORITHMS],
        ignoreExpiration: false,
        jsonWebTokenOptions: { clockTolerance: options.clockSkewSeconds },
        secretOrKeyProvider: (_request: unknown, rawJwt: string, done: (err: Error | null, key?: string) => void) => {
          this.keyFor(rawJwt).then(
            (key) => done(null, key),
            (error: Error) => done(error),
          );
        },
      });
    }

    async validate(claims: TokenClaims): Promise<AuthUser> {
      // Without exp a token would never expire (the verifier checks exp only when present).
      if (typeof claims.exp !== 'number') throw new UnauthorizedException('invalid token: it has no expiry (exp)');
      const tenant = await this.tenants.findByIssuer(claims.iss);
      if (!tenant) throw new UnauthorizedException('invalid token: its issuer is not a known tenant');
      const now = Math.floor(Date.now() / 1000);
      if (typeof claims.iat === 'number' && claims.iat > now + this.options.clockSkewSeconds) {
        throw new UnauthorizedException('invalid token: it was issued in the future (iat)');
      }
      const audience = tenant.audience ?? this.options.audience;
      if (audience !== undefined) {
        const named = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
        if (!named.includes(audience)) throw new UnauthorizedException(`invalid token: its audience (aud) does not include ${audience}`);
      }
      if (this.options.allowedTenants.length > 0 && !this.options.allowedTenants.includes(tenant.id)) {
        throw new ForbiddenException(`tenant ${tenant.id} is not served by this instance`);
      }
      return {
        tenantId: tenant.id,
        subject: claims.sub ?? claims.azp ?? claims.client_id ?? 'unknown',
        clientId: claims.azp ?? claims.client_id,
        scopes: new Set((claims.scope ?? '').split(' ').filter(Boolean)),
        expiresAt: claims.exp * 1000,
      };
    }

    private async keyFor(rawJwt: string): Promise<string> {
      let issuer: string | undefined;
      let header;
      try {
        header = decodeProtectedHeader(rawJwt);
        issuer = decodeJwt(rawJwt).iss;
      } catch {
        throw new Error('malformed token');
      }
      if (!header.alg || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(header.alg)) {
        throw new Error(`token algorithm ${header.alg ?? 'none'} is not accepted`);
      }
      if (!issuer) throw new Error('token has no issuer');
      const tenant = await this.tenants.findByIssuer(issuer);
      if (!tenant) throw new Error('token issuer is not a known tenant');
      let keySet = this.keySets.get(tenant.jwksUri);
      if (!keySet) {
        keySet = createRemoteJWKSet(new URL(tenant.jwksUri), { cooldownDuration: 5000, timeoutDuration: 5000 });
        this.keySets.set(tenant.jwksUri, keySet);
      }
      try {
        const key = await keySet(header as Parameters<JWTVerifyGetKey>[0], { payload: '', signature: '' } as never);
        let pem = this.pems.get(key);
        if (!pem) {
          pem = KeyObject.from(key as Parameters<typeof KeyObject.from>[0]).export({ type: 'spki', format: 'pem' }).toString();
          this.pems.set(key, pem);
        }
        return pem;
      } catch (error) {
        throw new Error(`no signing key for this token at the issuer's JWKS (${(error as Error).message})`);
      }
    }
  }
  return JwtStrategy;
}
