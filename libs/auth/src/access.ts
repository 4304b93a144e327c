import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '@kaa/observability';

/**
 * Who may call a route. Every route declares exactly one (on the handler, or on its controller
 * as a default); a route without one is refused at start (see AccessDeclarations).
 */
export type AccessRule =
  /** No token needed: health, metrics, docs. */
  | { kind: 'public' }
  /** Any valid token of any tenant (installation-wide catalogues that hold no tenant data). */
  | { kind: 'authenticated' }
  /** A valid token carrying every listed scope. */
  | { kind: 'scopes'; scopes: readonly string[] }
  /** A valid token carrying at least one of the listed scopes. */
  | { kind: 'anyOf'; scopes: readonly string[] }
  /** Installation-wide operations: a token of the platform tenant (PLATFORM_TENANT) carrying every listed scope. */
  | { kind: 'platform'; scopes: readonly string[] };

export const ACCESS = 'kaa:access';

function declare(rule: AccessRule) {
  return SetMetadata(ACCESS, rule);
}

function nonEmpty(kind: string, scopes: string[]): string[] {
  if (scopes.length === 0) throw new Error(`Access.${kind}() needs at least one scope`);
  return scopes;
}

/** Declares who may call a route: `@Access(rule)` or one of its shorthands. */
export const Access = Object.assign(declare, {
  public: () => declare({ kind: 'public' }),
  authenticated: () => declare({ kind: 'authenticated' }),
  scopes: (...scopes: string[]) => declare({ kind: 'scopes', scopes: nonEmpty('scopes', scopes) }),
  anyOf: (...scopes: string[]) => declare({ kind: 'anyOf', scopes: nonEmpty('anyOf', scopes) }),
  platform: (...scopes: string[]) => declare({ kind: 'platform', scopes }),
});

/**
 * The rule of a route: the handler's declaration, else its controller's. `@Public()` of
 * @kaa/observability (which cannot depend on this library) is the same as `Access.public()`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function accessRuleOf(reflector: Reflector, handler: Function, controller: Function): AccessRule | undefined {
  for (const target of [handler, controller]) {
    const rule = reflector.get<AccessRule | undefined>(ACCESS, target);
    if (rule) return rule;
    if (reflector.get<boolean | undefined>(IS_PUBLIC, target)) return { kind: 'public' };
  }
  return undefined;
}

/** The rule in words, for route tables, logs and refusals. */
export function describeAccess(rule: AccessRule | undefined): string {
  if (!rule) return 'UNDECLARED';
  switch (rule.kind) {
    case 'public':
      return 'public';
    case 'authenticated':
      return 'any valid token';
    case 'scopes':
      return rule.scopes.join(' and ');
    case 'anyOf':
      return rule.scopes.join(' or ');
    case 'platform':
      return ['platform tenant', ...rule.scopes].join(' + ');
  }
}
