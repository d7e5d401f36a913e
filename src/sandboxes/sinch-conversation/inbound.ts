// The customer's side, faked on request: a reply (MESSAGE_INBOUND) or an opt-out / opt-in
// (OPT_OUT / OPT_IN) posted to the app's webhook (docs/providers/sinch-conversation.md B.5),
// signed like the delivery reports (B.7).
import { ulid } from 'ulid';
import { newMessageId } from './ids.js';
import type { CallbackSender } from './callbacks.js';
import { reportedIdentity } from './delivery.js';
import type { InjectConsentOptions, InjectInboundOptions, InjectResult, SandboxApp, SandboxProject } from './types.js';

/** The fields every callback starts with. */
function envelope(project: SandboxProject, target: SandboxApp, now: Date): Record<string, unknown> {
  return {
    app_id: target.appId,
    accepted_time: now.toISOString(),
    event_time: new Date(now.getTime() - 300).toISOString(),
    project_id: project.projectId,
    message_metadata: '',
    correlation_id: '',
  };
}

/** Posts the callbacks of a customer's actions to the app's webhook (or a given URL). */
export class CustomerEvents {
  private readonly apps = new Map<string, { project: SandboxProject; app: SandboxApp }>();

  constructor(
    projects: readonly SandboxProject[],
    private readonly sender: CallbackSender,
  ) {
    for (const project of projects) for (const app of project.apps) this.apps.set(app.appId, { project, app });
  }

  async injectInbound(o: InjectInboundOptions): Promise<InjectResult> {
    const { project, app: target } = this.appOrThrow(o.appId);
    if (!o.text && !o.mediaUrl) throw new Error('injectInbound needs text or mediaUrl');
    const now = new Date();
    const id = newMessageId();
    const contactMessage = o.mediaUrl ? { media_message: { url: o.mediaUrl } } : { text_message: { text: o.text ?? '' } };
    const payload = {
      ...envelope(project, target, now),
      message: {
        id,
        direction: 'TO_APP',
        contact_message: contactMessage,
        channel_identity: { channel: o.channel, identity: reportedIdentity(o.channel, o.from), app_id: '' },
        conversation_id: '',
        contact_id: '',
        metadata: '',
        accept_time: new Date(now.getTime() - 50).toISOString(),
        sender_id: '',
        processing_mode: 'DISPATCH',
        injected: false,
      },
    };
    return this.post('MESSAGE_INBOUND', o.url ?? target.webhookUrl, target, payload, id);
  }

  async injectConsent(o: InjectConsentOptions): Promise<InjectResult> {
    const { project, app: target } = this.appOrThrow(o.appId);
    const requestId = ulid();
    const key = o.optedOut ? 'opt_out_notification' : 'opt_in_notification';
    const payload = {
      ...envelope(project, target, new Date()),
      [key]: {
        request_id: requestId,
        contact_id: '',
        channel: o.channel,
        identity: reportedIdentity(o.channel, o.identity),
        status: o.optedOut ? 'OPT_OUT_SUCCEEDED' : 'OPT_IN_SUCCEEDED',
        processing_mode: 'DISPATCH',
      },
    };
    return this.post(o.optedOut ? 'OPT_OUT' : 'OPT_IN', o.url ?? target.webhookUrl, target, payload, requestId);
  }

  private appOrThrow(appId: string): { project: SandboxProject; app: SandboxApp } {
    const found = this.apps.get(appId);
    if (!found) throw new Error(`Unknown app '${appId}'`);
    return found;
  }

  private async post(trigger: string, url: string | undefined, target: SandboxApp, payload: Record<string, unknown>, id: string): Promise<InjectResult> {
    if (!url) throw new Error(`App '${target.appId}' has no webhook URL and none was given`);
    const attempt = await this.sender.send({ trigger, url, appId: target.appId, payload, secret: target.webhookSecret });
    return { status: attempt.status ?? 0, id, ...(attempt.error ? { error: attempt.error } : {}) };
  }
}
