// The app as Get App answers it (Node SDK `AppResponse`): id, name, and one channel credential
// per configured channel, in the app's channel order. Credential secrets (`static_bearer`…) are
// left out: the sandbox has none, and clients read only the channel and its state.
import type { SandboxApp } from './types.js';

export function appResource(app: SandboxApp): Record<string, unknown> {
  return {
    id: app.appId,
    display_name: app.displayName ?? app.appId,
    channel_credentials: app.channels.map((channel) => ({ channel, state: { status: 'ACTIVE' }, credential_ordinal_number: 0 })),
    conversation_metadata_report_view: 'NONE',
    processing_mode: 'CONVERSATION',
    retention_policy: { retention_type: 'MESSAGE_EXPIRE_POLICY', ttl_days: 180 },
  };
}
