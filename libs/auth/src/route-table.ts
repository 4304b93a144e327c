import { Inject, Injectable, RequestMethod, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { accessRuleOf, describeAccess, type AccessRule } from './access.js';
import { PlatformTenantOption } from './guards.js';

/** One controller route and who may call it. */
export interface DeclaredRoute {
  /** `Controller.method` */
  handler: string;
  method: string;
  /** The route's path as its controller declares it, without a global prefix: `/applications/:app`. */
  path: string;
  access: AccessRule | undefined;
}

const join = (...parts: (string | string[] | undefined)[]) =>
  `/${parts
    .flatMap((p) => [p ?? ''].flat())
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

/** Every route of every controller of the application, with its access rule (undefined when it declares none). */
export function declaredRoutes(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (abstract new (...args: never[]) => unknown) | undefined;
    if (!controller) continue;
    const prototype = controller.prototype as Record<string, unknown>;
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const paths = [(Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined) ?? '/'].flat();
      for (const path of paths) {
        routes.push({ handler: `${controller.name}.${name}`, method: RequestMethod[method], path: join(base, path), access: accessRuleOf(reflector, handler, controller) });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** A served route: `url` is what Fastify answers (the global prefix applied or not). */
export interface RouteAccess extends DeclaredRoute {
  url: string;
}

interface FastifyLike {
  hasRoute(options: { method: string; url: string }): boolean;
}

/**
 * The application's route table as served: each controller route's method, URL and access rule.
 * `prefix` is the global prefix (routes excluded from it are found without it). Throws when a
 * route is not served under either URL, so the table cannot silently drift from Fastify's.
 */
export function routeTable(app: INestApplication, prefix: string): RouteAccess[] {
  const fastify = app.getHttpAdapter().getInstance() as FastifyLike;
  return declaredRoutes(app.get(DiscoveryService), app.get(MetadataScanner), app.get(Reflector)).map((route) => {
    const url = [join(prefix, route.path), route.path].find((candidate) => fastify.hasRoute({ method: route.method, url: candidate }));
    if (!url) throw new Error(`${route.method} ${route.path} (${route.handler}) is declared but Fastify does not serve it`);
    return { ...route, url };
  }).sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
}

export class UndeclaredAccessError extends Error {
  override name = 'UndeclaredAccessError';
}

/** Refuses to start an application that has a route without an access rule, or a platform route without a platform tenant. */
@Injectable()
export class AccessDeclarations implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(PlatformTenantOption) private readonly platform: PlatformTenantOption,
  ) {}

  onModuleInit() {
    const routes = declaredRoutes(this.discovery, this.scanner, this.reflector);
    const undeclared = routes.filter((r) => !r.access);
    if (undeclared.length > 0) {
      throw new UndeclaredAccessError(
        `every route must declare who may call it (@Access… or @Public()); these do not: ${undeclared.map((r) => `${r.method} ${r.path} (${r.handler})`).join(', ')}`,
      );
    }
    const platform = routes.filter((r) => r.access?.kind === 'platform');
    if (platform.length > 0 && this.platform.id === undefined) {
      throw new UndeclaredAccessError(
        `${platform.map((r) => `${r.method} ${r.path}`).join(', ')} ${platform.length === 1 ? 'is an installation-wide operation' : 'are installation-wide operations'} (${describeAccess(platform[0]?.access)}) but no platform tenant is configured`,
      );
    }
  }
}
