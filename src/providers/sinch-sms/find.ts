// Asks Sinch whether it created a batch for one of our messages (docs/providers/sinch-sms.md A.3,
// "List batches"): the hub puts its message id in `client_reference`, and the list can be
// filtered by it. Used after a send whose answer never came, before sending again.
import { getCapped, isSuccessStatus, networkFailure, type HttpAnswer } from '../http.js';
import { isRecord, parseJson } from '../json.js';
import type { FindResult, SendContext, SentQuery } from '../types.js';
import { resolveBaseUrl, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';

/** Batches are listed from a little before the attempt: the two clocks need not agree. */
const CLOCK_SLACK_MS = 10 * 60 * 1000;

export function listBatchesUrl(config: SinchSmsConfig, query: SentQuery): string {
  const params = new URLSearchParams({
    client_reference: query.messageId,
    start_date: new Date(query.sinceMs - CLOCK_SLACK_MS).toISOString(),
    page_size: '10',
  });
  return `${resolveBaseUrl(config)}/xms/v1/${encodeURIComponent(config.service_plan_id)}/batches?${params.toString()}`;
}

export async function findSinchSmsBatch(ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>, query: SentQuery): Promise<FindResult> {
  const token = ctx.secrets.api_token;
  let answer: HttpAnswer;
  try {
    answer = await getCapped(listBatchesUrl(ctx.config, query), { pool: ctx.pool, authorization: `Bearer ${token}`, signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  } catch (err) {
    const failure = networkFailure(err, [token], 'list batches: ');
    return { kind: 'unknown', error: failure.error, comment: failure.comment };
  }
  return readBatchList(answer, query.messageId);
}

/** The batch carrying our reference, if the list holds one; a failed or unreadable answer concludes nothing. */
export function readBatchList(answer: Pick<HttpAnswer, 'statusCode' | 'text'>, messageId: string): FindResult {
  if (!isSuccessStatus(answer.statusCode)) {
    return { kind: 'unknown', error: `http_${answer.statusCode}`, comment: `list batches answered HTTP ${answer.statusCode}` };
  }
  const json = parseJson(answer.text);
  const batches = isRecord(json) ? json['batches'] : undefined;
  if (!Array.isArray(batches)) return { kind: 'unknown', error: 'unreadable_answer', comment: 'list batches answered without a batch list' };
  // Checked here too: a proxy that drops the filter must not make another batch ours.
  const ours: unknown = batches.find((b: unknown) => isRecord(b) && b['client_reference'] === messageId);
  if (!isRecord(ours)) return { kind: 'absent' };
  return { kind: 'found', providerMessageId: typeof ours['id'] === 'string' && ours['id'] ? ours['id'] : null };
}
