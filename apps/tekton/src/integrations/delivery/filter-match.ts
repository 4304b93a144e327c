import {
  filteredSummary,
  filterProgram,
  matchesNow,
  MAX_SUMMARY_LENGTH,
  MAX_TENANT_PROGRAM,
  passesFields,
  type MatchableEvent,
  type NotificationFilter,
} from '../notifications/notification-filter.js';

/** One event and the notifications it may match (its tenant's, as the main thread chose them). */
export interface MatchRequest {
  event: MatchableEvent;
  notifications: { id: string; filter: NotificationFilter }[];
}

export interface MatchAnswer {
  /** Ids of the notifications the event matches. */
  matched: string[];
  /** Notifications not tried: their regexes would have taken the event past {@link EVENT_BUDGET}. */
  overBudget: string[];
}

/** Wire types between the pool (match-worker-pool.ts) and a worker thread (filter-match.worker.ts). */
export interface MatchCall {
  seq: number;
  request: MatchRequest;
}
export type MatchReply = { seq: number; answer: MatchAnswer } | { seq: number; error: string };

/**
 * Regex work one event may cost (RE2 instructions × summary characters): all of a tenant's
 * filters at the tenant limit on the longest summary. The limits on create/update keep every
 * tenant under it; rows stored before them, or written by hand, are cut off here.
 */
export const EVENT_BUDGET = MAX_TENANT_PROGRAM * MAX_SUMMARY_LENGTH;

/**
 * Matches one event against its candidate notifications, synchronously (in a matching worker
 * thread). Each filter is charged its usable program × the summary before its regexes run; a
 * filter that would pass the budget is not run and is reported instead.
 */
export function matchEvent(request: MatchRequest): MatchAnswer {
  const answer: MatchAnswer = { matched: [], overBudget: [] };
  const characters = filteredSummary(request.event).length;
  let left = EVENT_BUDGET;
  for (const { id, filter } of request.notifications) {
    if (!passesFields(filter, request.event)) continue;
    const cost = filterProgram(filter) * characters;
    if (cost > left) {
      answer.overBudget.push(id);
      continue;
    }
    left -= cost;
    if (matchesNow(filter, request.event)) answer.matched.push(id);
  }
  return answer;
}
