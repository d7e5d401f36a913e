// A webhook or direct-send receipt answered without being stored: counted, and logged at warn
// at most once per source and reason every few seconds (anyone holding a URL can send them by
// the thousand), never with the URL token or the body.
import type { FastifyRequest } from 'fastify';
import type { Hub } from '../../hub.js';
import type { WebhookRefusal } from '../../metrics.js';

export interface Refusal {
  /** The authenticated source (an integration id, `ingest:{project}`), or null when unknown. */
  source: string | null;
  /** The id the request claimed, when it did not authenticate: logged, never a metric label. */
  claimed?: string;
  reason: WebhookRefusal;
  detail: string;
}

export function refused(hub: Hub, req: FastifyRequest, r: Refusal): void {
  hub.metrics.webhookRefusals.inc({ integration_id: r.source ?? 'unknown', reason: r.reason });
  const suppressed = hub.refusalLog.admit(`${r.source ?? 'unknown'}:${r.reason}`);
  if (suppressed === null) return;
  const where = r.source === null ? { claimed_integration_id: r.claimed?.slice(0, 64) } : { integration_id: r.source };
  req.log.warn({ ...where, reason: r.reason, detail: r.detail.slice(0, 200), ...(suppressed ? { suppressed } : {}) }, 'webhook refused');
}
