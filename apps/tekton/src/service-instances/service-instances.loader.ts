import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '@kaa/config';
import type { LoadedServiceInstance } from './service-instance.js';

const VARIABLE = 'SERVICE_INSTANCES_FILE';
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

const jsonSchema = z.record(z.string(), z.unknown());
const instanceShape = z.object({
  serviceName: z.string().min(1),
  serviceGroup: z.string().min(1),
  description: z.string().optional(),
  urlPrefix: z.string().optional(),
  appConfigurationSchema: jsonSchema.optional(),
  appVersionConfigurationSchema: jsonSchema.optional(),
});
const fileShape = z.object({
  kaa: z.object({ 'service-instances': z.record(z.string().regex(NAME, 'instance names are lower-case letters, digits, "-" and "_"'), instanceShape) }),
});

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/**
 * Reads and checks the service-instance registry. Anything wrong (unreadable file, bad YAML,
 * wrong shape, a schema ajv cannot compile) is a ConfigError naming the file and the place.
 */
export function loadServiceInstances(file: string): Map<string, LoadedServiceInstance> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([{ variable: VARIABLE, message: `${file}: ${(error as Error).message.split('\n')[0]}` }]);
  }
  const parsed = fileShape.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: VARIABLE, message: `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}` })),
    );
  }
  const ajv = createAjv();
  const problems: { variable: string; message: string }[] = [];
  const instances = new Map<string, LoadedServiceInstance>();
  for (const [name, spec] of Object.entries(parsed.data.kaa['service-instances'])) {
    const instance: LoadedServiceInstance = { name, ...spec };
    for (const [key, target] of [
      ['appConfigurationSchema', 'validateApp'],
      ['appVersionConfigurationSchema', 'validateAppVersion'],
    ] as const) {
      const schema = spec[key];
      if (!schema) continue;
      try {
        instance[target] = ajv.compile(schema);
      } catch (error) {
        problems.push({ variable: VARIABLE, message: `${file}: kaa.service-instances.${name}.${key} is not a valid JSON Schema: ${(error as Error).message}` });
      }
    }
    instances.set(name, instance);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return instances;
}
