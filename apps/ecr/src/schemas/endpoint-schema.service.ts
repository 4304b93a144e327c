import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AppConfigSource } from '@kaa/tekton-client';
import { badRequest, DomainError, notFound, validationFailed, type Violation } from '@kaa/server';
import type { AppVersionRef } from '../configs/config-keys.js';
import { PatternBudget, PatternWorkExceeded, re2RegExp, SchemaPatternRefused } from './re2-reg-exp.js';

// ajv-formats is CommonJS; under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** The endpoint-configuration part of the Tekton tree that applies to one app version. */
export interface EffectiveSchema {
  required: boolean;
  /** The version's `endpointConfigurationSchema` if set, else the app's `endpoint-configuration.schema`. */
  schema: object | boolean | string | undefined;
  source: 'app-version' | 'application' | 'none';
}

type Compiled = { validate: ValidateFunction } | { error: string } | { refused: string } | { none: true };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Tekton may hand a schema over as a JSON string (the Kaa UI stores it that way) or as a document. */
function asSchema(value: unknown): object | boolean | string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      return asSchema(JSON.parse(value));
    } catch {
      // Kept as is: compiling it fails and names the problem.
      return value;
    }
  }
  if (typeof value === 'boolean' || isObject(value)) return value;
  return undefined;
}

function toPointer(error: ErrorObject): string {
  if (error.keyword === 'required' && typeof error.params['missingProperty'] === 'string') {
    return `${error.instancePath}/${String(error.params['missingProperty']).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  if (error.keyword === 'additionalProperties' && typeof error.params['additionalProperty'] === 'string') {
    return `${error.instancePath}/${String(error.params['additionalProperty']).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return error.instancePath;
}

/**
 * Endpoint-configuration schemas from the Tekton tree (via {@link AppConfigSource}): resolution
 * (version wins over application), validation, and a validator cache dropped on every change.
 */
@Injectable()
export class EndpointSchemaService implements OnModuleDestroy {
  private readonly budget = new PatternBudget();
  private ajv = this.newAjv();
  private readonly cache = new Map<string, Compiled>();
  private readonly unsubscribe: () => void;

  constructor(private readonly source: AppConfigSource) {
    this.unsubscribe = source.onChange(() => {
      this.cache.clear();
      this.ajv = this.newAjv();
    });
  }

  private newAjv(): Ajv {
    // addUsedSchema: false, so two versions whose schemas share an `$id` do not collide.
    return addFormats(new Ajv({ allErrors: true, strict: false, addUsedSchema: false, code: { regExp: re2RegExp(this.budget) } }));
  }

  onModuleDestroy() {
    this.unsubscribe();
  }

  effective(ref: AppVersionRef): EffectiveSchema {
    const app = this.source.current().applications[ref.appName];
    const settings = isObject(app?.['endpoint-configuration']) ? app['endpoint-configuration'] : {};
    const required = settings['schema-required'] === true || settings['schema-required'] === 'true';
    const versions = app?.versions ?? {};
    const version = versions[ref.appVersionName] ?? versions[ref.nameSuffix];
    const versionSchema = asSchema(version?.['endpointConfigurationSchema']);
    if (versionSchema !== undefined) return { required, schema: versionSchema, source: 'app-version' };
    const appSchema = asSchema(settings['schema']);
    if (appSchema !== undefined) return { required, schema: appSchema, source: 'application' };
    return { required, schema: undefined, source: 'none' };
  }

  /** 404 when a schema is required and none exists; 400 with JSON pointers on violations. */
  validate(ref: AppVersionRef, config: unknown): void {
    const compiled = this.compiled(ref);
    if ('none' in compiled) {
      if (this.effective(ref).required) throw notFound(`endpoint configuration schema not found but expected for app version ${ref.appVersionName}`);
      return;
    }
    if ('error' in compiled) {
      throw new DomainError('UNPROCESSABLE', `the endpoint configuration schema of ${ref.appVersionName} is not a valid JSON schema: ${compiled.error}`);
    }
    if ('refused' in compiled) throw badRequest(`the endpoint configuration schema of ${ref.appVersionName} cannot be used: ${compiled.refused}`);
    this.budget.reset();
    let valid: boolean;
    try {
      valid = compiled.validate(config) as boolean;
    } catch (error) {
      if (error instanceof PatternWorkExceeded) throw badRequest(error.message);
      throw error;
    }
    if (valid) return;
    const violations: Violation[] = (compiled.validate.errors ?? []).map((error) => ({
      pointer: toPointer(error),
      message: error.message ?? error.keyword,
    }));
    throw validationFailed('configuration does not match the endpoint configuration schema', violations);
  }

  private compiled(ref: AppVersionRef): Compiled {
    const cached = this.cache.get(ref.appVersionName);
    if (cached) return cached;
    const { schema } = this.effective(ref);
    let compiled: Compiled;
    if (schema === undefined) {
      compiled = { none: true };
    } else {
      try {
        if (typeof schema === 'string') throw new Error('not JSON');
        compiled = { validate: this.ajv.compile(schema) };
      } catch (error) {
        compiled = error instanceof SchemaPatternRefused ? { refused: error.message } : { error: (error as Error).message };
      }
    }
    this.cache.set(ref.appVersionName, compiled);
    return compiled;
  }
}
