import { createHmac } from 'node:crypto';
import type { PlatformEvent, PlatformEventType } from '../../../events/platform-event.js';
import { PRODUCED_BY_HTTP_HEADER, PRODUCED_BY_VALUE, type ProviderType } from '../../integrations.options.js';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendTarget {
  type: ProviderType;
  address: string;
  /** Decrypted; only ever lives in memory. */
  secret: string | null;
  notificationName: string;
}

/** The event cannot go to this provider (e.g. a commit status without a commit): recorded as skipped. */
export class SkipDelivery extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipDelivery';
  }
}

export const HEADERS = {
  timestamp: 'X-Kaa-Timestamp',
  signature: 'X-Kaa-Signature',
  eventId: 'X-Kaa-Event-Id',
  eventType: 'X-Kaa-Event-Type',
} as const;

const common = (event: PlatformEvent): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'kaa-tekton-integrations',
  [PRODUCED_BY_HTTP_HEADER]: PRODUCED_BY_VALUE,
  [HEADERS.eventId]: event.id,
  [HEADERS.eventType]: event.type,
});

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function buildRequest(target: SendTarget, event: PlatformEvent, now = new Date()): OutgoingRequest {
  switch (target.type) {
    case 'generic':
      return { url: target.address, headers: common(event), body: JSON.stringify(event) };
    case 'generic-hmac': {
      if (!target.secret) throw new Error('generic-hmac provider has no signing key');
      const body = JSON.stringify(event);
      const timestamp = String(Math.floor(now.getTime() / 1000));
      return {
        url: target.address,
        headers: { ...common(event), [HEADERS.timestamp]: timestamp, [HEADERS.signature]: signature(target.secret, timestamp, body) },
        body,
      };
    }
    case 'slack':
      return { url: target.secret ?? target.address, headers: common(event), body: JSON.stringify(slackMessage(event)) };
    case 'github':
      return githubStatus(target, event);
    default: {
      const unreachable: never = target.type;
      throw new Error(`unknown provider type ${String(unreachable)}`);
    }
  }
}

export function slackMessage(event: PlatformEvent) {
  const facts = [
    `*type* ${event.type}`,
    event.tenantId ? `*tenant* ${event.tenantId}` : undefined,
    event.application ? `*application* ${event.application}` : undefined,
    event.appVersion ? `*version* ${event.appVersion}` : undefined,
    event.serviceInstance ? `*instance* ${event.serviceInstance}` : undefined,
    event.revision ? `*revision* ${event.revision.slice(0, 12)}${event.source ? ` (${event.source})` : ''}` : undefined,
    event.author ? `*by* ${event.author}` : undefined,
  ].filter((f): f is string => f !== undefined);
  return {
    text: `[kaa] ${event.summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: event.summary } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  };
}

const TEKTON_CHANGES: readonly PlatformEventType[] = [
  'application.upserted',
  'application.deleted',
  'app-version.upserted',
  'app-version.deleted',
  'app-config.changed',
  'app-version-config.changed',
  'tenant-config.changed',
];

/**
 * Commit-status state of an event: a change tekton stored, or an endpoint that applied a
 * config (2xx), is `success`; an endpoint that rejected it (non-2xx) is `failure`; anything
 * else (e.g. a config dispatched by ECR but not yet applied) is `pending`.
 */
export function commitState(event: PlatformEvent): 'pending' | 'success' | 'failure' {
  if (TEKTON_CHANGES.includes(event.type)) return 'success';
  if (event.type === 'endpoint-config.applied') {
    const status = Number(event.data?.['statusCode'] ?? 200);
    return status >= 200 && status < 300 ? 'success' : 'failure';
  }
  return 'pending';
}

/** GitHub's own rules: alphanumerics and single inner hyphens, at most 39 characters. */
const GITHUB_OWNER = /^(?=.{1,39}$)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** A full (40) or abbreviated (at least 7) SHA-1 commit id. */
const COMMIT_SHA = /^[0-9a-f]{7,40}$/i;

/**
 * `owner/repo` from `https://host/owner/repo(.git)` or `owner/repo`, valid as GitHub names: the
 * parts become path segments of a request carrying the provider's token, so `..`, `.` and
 * anything else GitHub would not accept never get that far.
 */
export function repositoryOf(source: string): { owner: string; repo: string } | undefined {
  let path = source.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  const parts = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts;
  if (!GITHUB_OWNER.test(owner) || !GITHUB_REPO.test(repo) || repo === '.' || repo === '..') return undefined;
  return { owner, repo };
}

function githubStatus(target: SendTarget, event: PlatformEvent): OutgoingRequest {
  if (!target.secret) throw new Error('github provider has no token');
  if (!event.revision || !event.source) throw new SkipDelivery('event carries no revision and source (X-Kaa-Revision, X-Kaa-Source)');
  const repository = repositoryOf(event.source);
  if (!repository) throw new SkipDelivery('source is not a GitHub repository (owner/repo with valid GitHub names)');
  if (!COMMIT_SHA.test(event.revision)) throw new SkipDelivery('revision is not a commit sha (7-40 hex digits)');
  const base = target.address.replace(/\/+$/, '');
  const { owner, repo } = repository;
  return {
    url: `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/statuses/${encodeURIComponent(event.revision)}`,
    headers: {
      ...common(event),
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      authorization: `Bearer ${target.secret}`,
    },
    body: JSON.stringify({ state: commitState(event), context: `kaa/${target.notificationName}`, description: event.summary.slice(0, 140) }),
  };
}
