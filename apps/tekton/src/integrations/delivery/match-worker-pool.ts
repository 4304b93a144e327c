import { Worker } from 'node:worker_threads';
import type { MatchAnswer, MatchCall, MatchReply, MatchRequest } from './filter-match.js';

/** A call took longer than the pool's timeout; its worker was terminated and replaced. */
export class MatchTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`matching timed out after ${timeoutMs} ms; the worker was restarted`);
    this.name = 'MatchTimedOut';
  }
}

/** A worker failed a call (an exception, or the thread died); a dead worker is replaced. */
export class MatchWorkerFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`matching failed: ${message}`, options);
    this.name = 'MatchWorkerFailed';
  }
}

/** The pool was closed before the call was answered. */
export class MatchPoolClosed extends Error {
  constructor() {
    super('matching stopped: tekton is shutting down');
    this.name = 'MatchPoolClosed';
  }
}

export interface MatchWorkerPoolOptions {
  /** Worker threads (each matches one event at a time). */
  workers: number;
  /** A call not answered within this is cut off: its worker is terminated and a new one started. */
  timeoutMs: number;
  /** Where the worker's code is (tests use a stand-in); default: filter-match.worker beside this file. */
  script?: URL;
}

interface Call {
  request: MatchRequest;
  resolve(answer: MatchAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker?: Worker;
  busy?: { seq: number; call: Call; timer: NodeJS.Timeout };
}

/** Heap of one matching thread: compiled patterns (≤ 10 000, each ≤ 100 instructions) and one event. */
const WORKER_HEAP_MB = 64;

/**
 * Runs tenants' notification filters in worker threads, off tekton's event loop: requests never
 * wait behind a filter, whatever its cost. Calls queue for a free worker; workers start on first
 * use and, while idle, keep the process from nothing (unref). A call that runs past `timeoutMs`
 * (nothing the limits let through comes near it) is rejected with {@link MatchTimedOut} and its
 * worker terminated and replaced, so one input can never wedge matching.
 */
export class MatchWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Call[] = [];
  private seq = 0;
  private closed = false;

  constructor(private readonly options: MatchWorkerPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => ({}));
  }

  /** The ids of the notifications the event matches (and those skipped over the event's budget). */
  match(request: MatchRequest): Promise<MatchAnswer> {
    if (this.closed) return Promise.reject(new MatchPoolClosed());
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Rejects what waits and terminates the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.queue.splice(0)) call.reject(new MatchPoolClosed());
    await Promise.all(
      this.slots.map((slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        if (slot.busy) this.settle(slot)?.reject(new MatchPoolClosed());
        return worker?.terminate();
      }),
    );
  }

  private pump() {
    for (const slot of this.slots) {
      if (this.closed || this.queue.length === 0) return;
      if (!slot.busy) this.dispatch(slot, this.queue.shift() as Call);
    }
  }

  private dispatch(slot: Slot, call: Call) {
    const worker = (slot.worker ??= this.spawn(slot));
    const seq = ++this.seq;
    const timer = setTimeout(() => this.replace(slot, new MatchTimedOut(this.options.timeoutMs)), this.options.timeoutMs);
    slot.busy = { seq, call, timer };
    worker.ref();
    worker.postMessage({ seq, request: call.request } satisfies MatchCall);
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.options.script ?? WORKER_SCRIPT, {
      name: 'tekton-filter-match',
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      ...(FROM_SOURCES && !this.options.script ? { execArgv: ['--import', registerTsHooks()] } : {}),
    });
    worker.unref();
    worker.on('message', (reply: MatchReply) => {
      if (slot.worker !== worker || slot.busy?.seq !== reply.seq) return;
      const call = this.settle(slot);
      worker.unref();
      if ('error' in reply) call?.reject(new MatchWorkerFailed(reply.error));
      else call?.resolve(reply.answer);
      this.pump();
    });
    worker.on('error', (error) => {
      if (slot.worker === worker) this.replace(slot, new MatchWorkerFailed(error.message, { cause: error }));
    });
    worker.on('exit', (code) => {
      if (slot.worker === worker) this.replace(slot, new MatchWorkerFailed(`the worker exited with code ${code}`));
    });
    return worker;
  }

  /** Cuts the slot's worker off (its call, if any, fails with `error`); the next call starts a new one. */
  private replace(slot: Slot, error: Error) {
    const worker = slot.worker;
    slot.worker = undefined;
    void worker?.terminate();
    this.settle(slot)?.reject(error);
    this.pump();
  }

  private settle(slot: Slot): Call | undefined {
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy) clearTimeout(busy.timer);
    return busy?.call;
  }
}

/**
 * The built app runs dist/…/filter-match.worker.js. Run from the TypeScript sources (jest), the
 * worker gets module hooks that compile its `.ts` files (ts-sources.hooks.mjs, using the dev
 * dependency @swc/core); V8 flags of the parent are not passed on (workers refuse them).
 */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_SCRIPT = new URL(`./filter-match.worker.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url);

function registerTsHooks(): string {
  const hooks = new URL('./ts-sources.hooks.mjs', import.meta.url).href;
  return `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooks)});`)}`;
}
