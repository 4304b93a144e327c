import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

/** Who is calling: the tenant whose issuer signed the token, and what the token allows. */
export interface AuthUser {
  tenantId: string;
  subject: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** The token's `exp`, in milliseconds. */
  expiresAt: number;
}

export const REQUIRED_SCOPES = 'kaa:requiredScopes';

/** Every listed scope must be in the token's space-separated `scope` claim (else 403). */
export const RequireScopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
});

export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user.tenantId;
});
