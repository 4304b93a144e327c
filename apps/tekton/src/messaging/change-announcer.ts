import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxService, type OutgoingMessage } from '@kaa/persistence';
import type { ChangeContext } from '../common/change-context.js';
import { PlatformEventSink, type PlatformEvent } from '../events/platform-event.js';

export type EventDraft = Omit<PlatformEvent, 'id' | 'occurredAt' | 'author' | 'revision' | 'source'> & { id?: string };

/**
 * Writes what a change announces (17/SCMP notices to the outbox, platform events to the sink)
 * inside the change's own transaction, so a committed change is always announced.
 */
@Injectable()
export class ChangeAnnouncer {
  constructor(
    private readonly outbox: OutboxService,
    private readonly sink: PlatformEventSink,
  ) {}

  /**
   * Notices as a WITH item of the statement that stores the change (see OutboxService.insertItem),
   * written only when `when` holds; the caller then announces its events without them.
   */
  noticesItem(name: string, notices: OutgoingMessage[], params: unknown[], when: string): string {
    return this.outbox.insertItem(name, notices, params, when);
  }

  /**
   * Notices and one event as WITH items of the single statement that stores a change, with no
   * transaction around it: the notices are written when the item `stored` has rows, the event
   * for each row of `revision.from`. Notifications are matched later, by the delivery worker.
   */
  announceItems(
    ctx: ChangeContext,
    notices: OutgoingMessage[],
    draft: EventDraft,
    params: unknown[],
    revision: { from: string; summaryTail: string; dataKey: string },
  ): string[] {
    const event = this.complete(ctx, draft, new Date().toISOString());
    return [this.outbox.insertItem('announced', notices, params, 'EXISTS (SELECT 1 FROM stored)'), this.sink.recordItem('recorded', event, params, revision)];
  }

  async announce(manager: EntityManager, ctx: ChangeContext, notices: OutgoingMessage[], events: EventDraft[]): Promise<void> {
    await this.outbox.enqueue(manager, notices);
    const occurredAt = new Date().toISOString();
    await this.sink.record(
      manager,
      events.map((draft) => this.complete(ctx, draft, occurredAt)),
    );
  }

  private complete(ctx: ChangeContext, draft: EventDraft, occurredAt: string): PlatformEvent {
    return {
      ...draft,
      id: draft.id ?? randomUUID(),
      occurredAt,
      author: ctx.author,
      ...(ctx.revision ? { revision: ctx.revision } : {}),
      ...(ctx.source ? { source: ctx.source } : {}),
      data: { ...draft.data, correlationId: ctx.correlationId },
    };
  }
}
