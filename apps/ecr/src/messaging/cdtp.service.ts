import { Inject, Injectable } from '@nestjs/common';
import type { ConfigRequest, ConfigResponseInput } from '@kaa/protocols';
import { LOGGER, type Logger } from '@kaa/observability';
import { statusOf } from '@kaa/server';
import { DEFAULT_CONFIG_NAME, isConfigName } from '../configs/config-keys.js';
import { ConfigsService } from '../configs/configs.service.js';
import { HistoryService } from '../history/history.service.js';
import { JSON_CONTENT_TYPE } from './config-updated.publisher.js';
import { hasNul } from './wire-strings.js';

export const NOT_CHANGED = 'Not changed';

/** 6/CDTP provider logic: what to answer a ConfigRequest, and what the history records. */
@Injectable()
export class CdtpService {
  constructor(
    private readonly configs: ConfigsService,
    private readonly history: HistoryService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async answer(request: ConfigRequest): Promise<ConfigResponseInput> {
    const base = {
      correlationId: request.correlationId,
      timestamp: Date.now(),
      appVersionName: request.appVersionName,
      endpointId: request.endpointId,
    };
    const name = request.configName ?? DEFAULT_CONFIG_NAME;
    if (hasNul(request.endpointId, request.appVersionName, request.configId, request.configName)) {
      return { ...base, statusCode: statusOf('BAD_REQUEST'), reasonPhrase: 'identifiers must not contain NUL characters' };
    }
    if (request.endpointId === '' || request.appVersionName === '') {
      return { ...base, statusCode: statusOf('BAD_REQUEST'), reasonPhrase: 'endpointId and appVersionName are required' };
    }
    if (!isConfigName(name)) return { ...base, statusCode: statusOf('BAD_REQUEST'), reasonPhrase: `invalid configName ${JSON.stringify(name)}` };

    const current = await this.configs.effectiveConfig(request.endpointId, request.appVersionName, name);
    if (!current) {
      return {
        ...base,
        statusCode: statusOf('NOT_FOUND'),
        reasonPhrase: `no configuration ${name} for endpoint ${request.endpointId} in app version ${request.appVersionName}`,
      };
    }
    const entry = {
      tenantId: current.tenantId,
      endpointId: request.endpointId,
      appVersionName: request.appVersionName,
      configId: current.configId,
      configName: name,
      config: current.config,
    };
    if (request.configId === current.configId) {
      await this.history.recordImplicitApply(entry);
      this.logger.debug({ endpointId: request.endpointId, configId: current.configId }, 'config not changed; implicitly applied');
      return { ...base, statusCode: 200, reasonPhrase: NOT_CHANGED };
    }
    await this.history.recordDispatch(entry);
    return {
      ...base,
      configId: current.configId,
      contentType: JSON_CONTENT_TYPE,
      content: Buffer.from(current.config, 'utf8'),
      statusCode: 200,
      reasonPhrase: 'OK',
    };
  }
}
