import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '@kaa/auth';
import { notFound } from '@kaa/server';
import type { LoadedServiceInstance } from './service-instance.js';
import { ServiceInstanceRegistry } from './service-instance.registry.js';

const SCHEMAS = ['appConfigurationSchema', 'appVersionConfigurationSchema'] as const;

/** The registry as Kaa's clients read it: schemas only when asked for, presence flags always. The same for every tenant. */
@ApiTags('service-instances')
@Controller('service-instances')
export class ServiceInstancesController {
  constructor(private readonly registry: ServiceInstanceRegistry) {}

  @Get()
  @Access.authenticated()
  list(@Query('include') include?: string | string[]) {
    const wanted = includes(include);
    return this.registry.list().map((instance) => render(instance, wanted));
  }

  @Get(':name')
  @Access.authenticated()
  get(@Param('name') name: string, @Query('include') include?: string | string[]) {
    const instance = this.registry.find(name);
    if (!instance) throw notFound(`service instance ${name} not found`);
    return render(instance, includes(include));
  }
}

function includes(include: string | string[] | undefined): Set<string> {
  return new Set([include ?? []].flat().flatMap((value) => value.split(',')).map((value) => value.trim()));
}

function render(instance: LoadedServiceInstance, include: Set<string>) {
  const body: Record<string, unknown> = {
    name: instance.name,
    serviceName: instance.serviceName,
    serviceGroup: instance.serviceGroup,
    description: instance.description,
    urlPrefix: instance.urlPrefix,
  };
  for (const key of SCHEMAS) {
    body[`${key}Present`] = instance[key] !== undefined;
    if (include.has(key) && instance[key] !== undefined) body[key] = instance[key];
  }
  return body;
}
