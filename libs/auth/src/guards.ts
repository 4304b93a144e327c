import { ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { accessRuleOf, describeAccess, type AccessRule } from './access.js';
import type { AuthUser } from './auth-user.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
}

/** The tenant whose tokens may call installation-wide operations (`Access.platform`); none = nobody may. */
export class PlatformTenantOption {
  constructor(readonly id: string | undefined) {}
}

/** Every route needs a valid bearer token unless it is public; `strategy` names the passport strategy. */
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
      if (accessRuleOf(this.reflector, context.getHandler(), context.getClass())?.kind === 'public') return true;
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

/** Applies the route's access rule to the authenticated caller; a route without a rule is refused (fails closed). */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PlatformTenantOption) private readonly platform: PlatformTenantOption,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = accessRuleOf(this.reflector, context.getHandler(), context.getClass());
    if (rule?.kind === 'public') return true;
    if (!rule) throw new ForbiddenException('this route declares no access rule');
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw new UnauthorizedException('missing bearer token');
    check(rule, user, this.platform.id);
    return true;
  }
}

function check(rule: Exclude<AccessRule, { kind: 'public' }>, user: AuthUser, platformTenant: string | undefined) {
  switch (rule.kind) {
    case 'authenticated':
      return;
    case 'anyOf':
      if (!rule.scopes.some((scope) => user.scopes.has(scope))) throw new ForbiddenException(`missing scope: one of ${describeAccess(rule)}`);
      return;
    case 'platform':
      // 403, not 404: the route is in the published API, so hiding it would hide nothing.
      if (platformTenant === undefined || user.tenantId !== platformTenant) {
        throw new ForbiddenException('installation-wide operation: only tokens of the platform tenant may call it');
      }
      return requireAll(rule.scopes, user);
    case 'scopes':
      return requireAll(rule.scopes, user);
  }
}

function requireAll(scopes: readonly string[], user: AuthUser) {
  const missing = scopes.filter((scope) => !user.scopes.has(scope));
  if (missing.length > 0) throw new ForbiddenException(`missing scope: ${missing.join(' ')}`);
}
