import type { ValidateFunction } from 'ajv';

/** One entry of `kaa.service-instances`: a service instance whose app configs Tekton keeps. */
export interface ServiceInstance {
  name: string;
  serviceName: string;
  serviceGroup: string;
  description?: string;
  urlPrefix?: string;
  appConfigurationSchema?: Record<string, unknown>;
  appVersionConfigurationSchema?: Record<string, unknown>;
}

/** A service instance with its schemas compiled once at start. */
export interface LoadedServiceInstance extends ServiceInstance {
  validateApp?: ValidateFunction;
  validateAppVersion?: ValidateFunction;
}

export type ConfigLevel = 'application' | 'app-version' | 'tenant';
