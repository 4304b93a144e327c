import { parentPort } from 'node:worker_threads';
import { matchEvent, type MatchCall, type MatchReply } from './filter-match.js';

// Entry of a matching worker thread: one call at a time, answered in order. A call that never
// answers is the pool's to cut off (it terminates this thread).
const port = parentPort;
if (!port) throw new Error('filter-match.worker runs as a worker thread');
port.on('message', ({ seq, request }: MatchCall) => {
  let reply: MatchReply;
  try {
    reply = { seq, answer: matchEvent(request) };
  } catch (error) {
    reply = { seq, error: (error as Error).message };
  }
  port.postMessage(reply);
});
