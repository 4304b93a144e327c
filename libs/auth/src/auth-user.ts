import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling: the tenant whose issuer signed the token, and what the token allows. */
export interface AuthUser {
  tenantId: string;
  subject: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** The token's `exp`, in milliseconds. */
  expiresAt: number;
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
});

export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user.tenantId;
});
