import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';

/** RFC 7396 JSON merge patch. */
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';

/**
 * A merge patch is a JSON document: it is parsed exactly as `application/json` is (Fastify's JSON
 * parser with the app's body limit and prototype-poisoning settings), so Kaa clients that send
 * `Content-Type: application/merge-patch+json` get the same answer as those that send JSON.
 */
export function acceptMergePatch(app: NestFastifyApplication, bodyLimitBytes: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  // Fastify's own JSON parser, as Nest uses it for application/json.
  app.useBodyParser<RawServerDefault>(MERGE_PATCH_MEDIA_TYPE, { bodyLimit: bodyLimitBytes }, (request, body, done) => parseJson(request, body.toString('utf8'), done));
}
