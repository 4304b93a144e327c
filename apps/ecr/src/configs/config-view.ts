import type { FastifyReply } from 'fastify';
import { etagOf, matchesIfNoneMatch } from './etag.js';

/** A stored configuration, endpoint-specific (`endpointId` set) or an app-version default. */
export interface StoredConfig {
  configId: string;
  tenantId: string;
  endpointId: string | null;
  appVersionName: string;
  name: string;
  /** The JSON document, serialized. */
  config: string;
  createdDate: Date;
  updatedDate: Date;
}

/** The Kaa 1.2+ REST shape: `config` is the JSON document as a string. */
export interface ConfigView {
  configId: string;
  name: string;
  config: string;
  createdDate: string;
  updatedDate: string;
}

/** Named configurations per page of `…/configurations`: by default 100, at most 500. */
export const CONFIGURATIONS_PAGE = { defaultSize: 100, maxSize: 500 } as const;

export const toView = (stored: StoredConfig): ConfigView => ({
  configId: stored.configId,
  name: stored.name,
  config: stored.config,
  createdDate: stored.createdDate.toISOString(),
  updatedDate: stored.updatedDate.toISOString(),
});

/**
 * A stored config as the answer to a read or a write, with its `ETag`; a read whose
 * `If-None-Match` names the current id gets 304 and no body.
 */
export function answerWithConfig(reply: FastifyReply, stored: StoredConfig): ConfigView;
export function answerWithConfig(reply: FastifyReply, stored: StoredConfig, ifNoneMatch: string | undefined): ConfigView | undefined;
export function answerWithConfig(reply: FastifyReply, stored: StoredConfig, ifNoneMatch?: string): ConfigView | undefined {
  reply.header('ETag', etagOf(stored.configId));
  if (matchesIfNoneMatch(ifNoneMatch, stored.configId)) {
    reply.status(304);
    return undefined;
  }
  return toView(stored);
}
