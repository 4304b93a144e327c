import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException, type CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '@kaa/observability';
import { REQUIRED_SCOPES, type AuthUser } from './auth-user.js';

/** Every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error instanceof ForbiddenException) throw error;
    if (error || !user) {
      const reason = error instanceof Error ? error.message : info instanceof Error ? info.message : 'missing bearer token';
      throw new UnauthorizedException(reason === 'No auth token' ? 'missing bearer token' : `invalid token: ${reason}`);
    }
    return user;
  }
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
