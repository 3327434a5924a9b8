/**
 * `POST /feedback` on the hub: ground truth for the prediction log replicas ship here.
 * The same handler as `mlo serve --log-predictions` (same body, same answers), behind
 * the server's token check and body limit.
 */
import { createFeedbackHandler, FEEDBACK_PATH } from '../../monitor/feedback/index.js';
import type { Repo } from '../../repo/index.js';
import type { Route } from '../http.js';

/** The handler takes at most 100,000 labels a request; this fits them with room. */
const FEEDBACK_BYTES = 16 << 20;

export function feedbackRoutes(repo: Repo): Route[] {
  const handle = createFeedbackHandler(repo);
  return [
    {
      name: 'feedback',
      method: 'POST',
      path: new RegExp(`^${FEEDBACK_PATH}$`),
      scope: 'write',
      body: FEEDBACK_BYTES,
      handle: (call) => {
        const answer = handle({ method: 'POST', body: call.body });
        if (answer.status === 200) {
          const r = answer.json as { new: number; changed: number };
          call.ctx.metrics.labels += r.new + r.changed;
        }
        return { status: answer.status, json: answer.json };
      },
    },
  ];
}
