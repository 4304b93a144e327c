// The development OAuth issuer (libs/testing's DevIssuer) as a server of its own: the `dev-issuer`
// service of docker-compose.yml's `dev` profile. One realm per tenant, JWKS, the client-credentials
// token endpoint, and `GET /tenants` like a tenant manager, so the services run with
// TENANT_MANAGER_URL=http://dev-issuer:8090. Never for production: its keys live in memory and
// anyone holding DEV_CLIENT_SECRET gets a token with every scope.
//
//   DEV_ISSUER_URL=http://dev-issuer:8090 DEV_CLIENT_SECRET=... KAA_ECR_CLIENT_SECRET=... node tools/containers/dev-issuer.mjs
//
// Settings (environment):
//   DEV_ISSUER_URL         base URL in every token's `iss` and in /tenants (the services' name for it);
//                          tokens fetched through a published port carry it too, so the services trust them
//   PORT, HOST             where it listens (8090, 0.0.0.0)
//   DEV_ISSUER_TENANTS     comma-separated tenants (demo,acme,kaa; kaa is the platform tenant)
//   DEV_CLIENT_SECRET      secret of client `dev` in every tenant: tokens with every scope (ALL_SCOPES)
//   KAA_ECR_CLIENT_SECRET  secret of client `ecr` in the platform tenant (ECR's service account)
//   PLATFORM_TENANT        the platform tenant (kaa)
import { DevIssuer } from '../../libs/testing/dist/dev-issuer.js';
// @kaa/auth's scope catalogue: scopes.js imports nothing, so it loads without the rest of the library.
import { ALL_SCOPES } from '../../libs/auth/dist/scopes.js';

/** Client `ecr`'s scopes: read every tenant's application configurations from tekton. */
export const ECR_SCOPE = 'kaa:application:read kaa:tenant:configuration:read';

/** The issuer's options from an environment; throws naming the variable when one is missing or bad. */
export function devIssuerOptions(env) {
  const required = (name, why) => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`set ${name} (${why})`);
    return value;
  };
  const publicUrl = required('DEV_ISSUER_URL', 'the base URL the services reach the issuer at, e.g. http://dev-issuer:8090');
  if (!/^https?:\/\/[^/]+\/?$/.test(publicUrl)) throw new Error(`DEV_ISSUER_URL must be http(s)://host[:port], got ${publicUrl}`);
  const port = Number(env.PORT ?? 8090);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const tenants = (env.DEV_ISSUER_TENANTS ?? 'demo,acme,kaa').split(',').map((t) => t.trim()).filter(Boolean);
  if (tenants.length === 0 || tenants.some((t) => !/^[a-z0-9][a-z0-9-]*$/.test(t))) throw new Error(`DEV_ISSUER_TENANTS must list tenant ids (a-z, 0-9, -), got ${env.DEV_ISSUER_TENANTS}`);
  const platformTenant = env.PLATFORM_TENANT?.trim() || 'kaa';
  if (!tenants.includes(platformTenant)) throw new Error(`DEV_ISSUER_TENANTS must include the platform tenant ${platformTenant}`);
  const devSecret = required('DEV_CLIENT_SECRET', 'secret of client "dev", which gets tokens with every scope');
  const ecrSecret = required('KAA_ECR_CLIENT_SECRET', "ECR's client secret");
  const clients = [
    ...tenants.map((tenant) => ({ clientId: 'dev', clientSecret: devSecret, tenant, scope: ALL_SCOPES.join(' ') })),
    { clientId: 'ecr', clientSecret: ecrSecret, tenant: platformTenant, scope: ECR_SCOPE },
  ];
  return { port, host: env.HOST?.trim() || '0.0.0.0', publicUrl, tenants, clients };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let issuer;
  try {
    const options = devIssuerOptions(process.env);
    issuer = await DevIssuer.start(options);
    console.log(
      `[dev-issuer] listening on ${options.host}:${options.port} as ${issuer.baseUrl}; tenants ${options.tenants.join(', ')}; ` +
        `clients: dev (every tenant, every scope), ecr (${options.clients.at(-1).tenant})`,
    );
  } catch (error) {
    console.error(`[dev-issuer] cannot start: ${error.message}`);
    process.exit(1);
  }
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void issuer.close().then(() => process.exit(0)));
  }
}
