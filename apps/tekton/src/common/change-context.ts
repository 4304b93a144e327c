import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '@kaa/auth';
import { currentCorrelationId } from '@kaa/observability';

export const REVISION_HEADER = 'x-kaa-revision';
export const SOURCE_HEADER = 'x-kaa-source';

/** Who changes what, and why: stored with each revision and carried by notices and events. */
export interface ChangeContext {
  user: AuthUser;
  author: string;
  correlationId: string;
  /** Commit (or other revision id) from `X-Kaa-Revision`. */
  revision?: string;
  /** Repository (or other origin) from `X-Kaa-Source`. */
  source?: string;
}

const header = (headers: Record<string, string | string[] | undefined>, name: string) => {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() ? text.trim().slice(0, 500) : undefined;
};

export const Change = createParamDecorator((_data: unknown, ctx: ExecutionContext): ChangeContext => {
  const request = ctx.switchToHttp().getRequest<{ user: AuthUser; id?: unknown; headers: Record<string, string | string[] | undefined> }>();
  return {
    user: request.user,
    author: request.user.subject,
    correlationId: currentCorrelationId() ?? (request.id ? String(request.id) : randomUUID()),
    revision: header(request.headers, REVISION_HEADER),
    source: header(request.headers, SOURCE_HEADER),
  };
});
