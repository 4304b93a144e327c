import { Injectable } from '@nestjs/common';

export interface HealthCheck {
  /** The part's name as /health reports it, e.g. `database`, `nats`. */
  name: string;
  /** Resolves when the part works; rejects (or times out) when it does not. */
  check: () => Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, { status: 'up' | 'down'; error?: string }>;
  failing: string[];
}

@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(check: HealthCheck) {
    this.checks.set(check.name, check);
  }

  async report(timeoutMs = 2000): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (c) => {
        try {
          await withTimeout(c.check(), timeoutMs, `${c.name} did not answer within ${timeoutMs} ms`);
          return [c.name, { status: 'up' as const }] as const;
        } catch (error) {
          return [c.name, { status: 'down' as const, error: error instanceof Error ? error.message : String(error) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const failing = entries.filter(([, r]) => r.status === 'down').map(([name]) => name);
    return { status: failing.length ? 'error' : 'ok', checks, failing };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
