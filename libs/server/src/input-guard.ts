import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';
import type { MetricsService } from '@kaa/observability';
import { DomainError } from './domain-error.js';
import { describeUnstorable, findUnstorableText } from './storable-text.js';
import { rejectionReason } from './unstorable-message.js';

/** Deeper JSON bodies are refused with 400 before they are parsed. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a JSON text opens more than `max` nested arrays/objects. A linear scan that skips
 * strings, so a deep body is refused before JSON.parse and anything recursive (validation,
 * merge-patch, serialisation) can overflow the stack on it. Malformed text is left to the parser.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if ((c === 0x7d || c === 0x5d) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/** The body, path parameter or query value at `pointer` holds what Postgres cannot store: 400. */
function unstorable(value: unknown, pointer: string, what: string, metrics?: MetricsService): DomainError | undefined {
  const found = findUnstorableText(value, pointer);
  if (!found) return undefined;
  metrics?.inputRejected.inc({ channel: 'http', reason: rejectionReason(found) });
  const message = describeUnstorable(found, what);
  return new DomainError('BAD_REQUEST', message, [{ pointer: found.pointer, message }]);
}

/** RFC 7396 JSON merge patch. */
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';

/**
 * Refuses, for every route of the app and before any handler runs:
 * - JSON bodies nested deeper than {@link MAX_JSON_DEPTH} (400; size is bodyLimit's 413),
 * - NUL characters and unpaired surrogates in any JSON string or key of the body, path parameter
 *   or query value (400 naming the JSON pointer: `/name`, `/params/id`, `/query/q`).
 * Fastify's own JSON parser still does the parsing (and its prototype-poisoning checks).
 */
export function guardInputs(app: NestFastifyApplication, options: { bodyLimitBytes: number; maxJsonDepth?: number; metrics?: MetricsService }): void {
  const { metrics } = options;
  const maxJsonDepth = options.maxJsonDepth ?? MAX_JSON_DEPTH;
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // Through Nest, which otherwise registers its own JSON parser at init.
  // A JSON merge patch (RFC 7396) is a JSON document: Kaa clients that send it get what JSON gets.
  for (const mediaType of ['application/json', MERGE_PATCH_MEDIA_TYPE]) {
    app.useBodyParser<RawServerDefault>(mediaType, { bodyLimit: options.bodyLimitBytes }, (request, body, done) => {
      const text = body.toString('utf8');
      if (jsonDepthExceeds(text, maxJsonDepth)) {
        metrics?.inputRejected.inc({ channel: 'http', reason: 'too_deep' });
        done(new DomainError('BAD_REQUEST', `request body nests deeper than ${maxJsonDepth} arrays/objects`), undefined);
        return;
      }
      parseJson(request, text, (error, value) => {
        if (error) return done(error, undefined);
        const refused = unstorable(value, '', 'request body', metrics);
        return refused ? done(refused, undefined) : done(null, value);
      });
    });
  }
  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    const refused = unstorable(request.params, '/params', 'path parameter', metrics) ?? unstorable(request.query, '/query', 'query parameter', metrics);
    if (refused) throw refused;
  });
}
