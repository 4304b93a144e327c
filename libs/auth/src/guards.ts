import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '@kaa/observability';
import { REQUIRED_SCOPES, type AuthUser } from './auth-user.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
}

/** Every route needs a valid bearer token unless marked @Public(); `strategy` names the passport strategy. */
export function createJwtAuthGuard(strategy: string): Type<CanActivate> {
  @Injectable()
  class JwtAuthGuard extends AuthGuard(strategy) {
    constructor(
      private readonly reflector: Reflector,
      private readonly verified: VerifiedTokenCache,
    ) {
      super();
    }

    override async canActivate(context: ExecutionContext): Promise<boolean> {
      if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
      const request = context.switchToHttp().getRequest<GuardedRequest>();
      const token = bearerToken(request.headers.authorization);
      const known = token ? this.verified.get(token) : undefined;
      if (known) {
        request.user = known;
        return true;
      }
      const allowed = (await super.canActivate(context)) as boolean;
      if (allowed && token && request.user) this.verified.set(token, request.user, request.user.expiresAt);
      return allowed;
    }

    override handleRequest<T>(error: unknown, user: T, info: unknown): T {
      if (error instanceof ForbiddenException || error instanceof UnauthorizedException) throw error;
      if (error || !user) {
        const reason = error instanceof Error ? error.message : info instanceof Error ? info.message : 'missing bearer token';
        throw new UnauthorizedException(reason === 'No auth token' ? 'missing bearer token' : `invalid token: ${reason}`);
      }
      return user;
    }
  }
  return JwtAuthGuard;
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.startsWith('Bearer ') ? value.slice(7).trim() || undefined : undefined;
}

@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]);
    if (!required?.length) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) return true; // public route
    const missing = required.filter((scope) => !user.scopes.has(scope));
    if (missing.length > 0) throw new ForbiddenException(`missing scope: ${missing.join(' ')}`);
    return true;
  }
}
