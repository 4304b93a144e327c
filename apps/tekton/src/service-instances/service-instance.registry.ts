import type { ErrorObject } from 'ajv';
import { badRequest, type Violation } from '@kaa/server';
import type { ConfigLevel, LoadedServiceInstance } from './service-instance.js';

/** Escapes a key for use as one JSON pointer token (RFC 6901). */
export const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
export const pointer = (...keys: string[]) => keys.map((k) => `/${pointerToken(k)}`).join('');

/** The service instances loaded at start, and schema validation of their configs. */
export class ServiceInstanceRegistry {
  constructor(private readonly instances: Map<string, LoadedServiceInstance>) {}

  list(): LoadedServiceInstance[] {
    return [...this.instances.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  find(name: string): LoadedServiceInstance | undefined {
    return this.instances.get(name);
  }

  /** 400 for an unknown instance (a request naming one is malformed, not a missing resource). */
  require(name: string): LoadedServiceInstance {
    const instance = this.instances.get(name);
    if (!instance) throw badRequest(`unknown service instance: ${name}`);
    return instance;
  }

  /**
   * Violations of `config` against the instance's schema for that level, each with a JSON
   * pointer prefixed by `at` (where the config sits in the request body).
   */
  violations(instanceName: string, level: ConfigLevel, config: unknown, at: string): Violation[] {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      return [{ pointer: at, message: 'must be a JSON object' }];
    }
    const instance = this.require(instanceName);
    const validate = level === 'application' ? instance.validateApp : level === 'app-version' ? instance.validateAppVersion : undefined;
    if (!validate || validate(config)) return [];
    return (validate.errors ?? []).map((error) => ({ pointer: `${at}${error.instancePath}`, message: describe(error) }));
  }
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${error.message} (${String(params.additionalProperty)})`;
  return error.message ?? error.keyword;
}
