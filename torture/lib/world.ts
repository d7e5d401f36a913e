// The pieces every torture part starts from: a hub child on a data folder and port that stay the
// same across restarts (webhook URLs name the port, so a restarted hub must answer on it), a Sinch
// SMS sandbox child that keeps its whole history, and a project with a Sinch SMS integration.
// Built on the benchmark harness (bench/lib): the same hub-process.ts and sandbox-process.ts.
import { join } from 'node:path';
import type { HubOptions } from '../../src/hub.js';
import type { SinchSmsSandboxOptions } from '../../src/sandboxes/sinch-sms/server.js';
import { Api } from '../../bench/lib/api.js';
import type { Child } from '../../bench/lib/proc.js';
import { freePort } from '../../bench/lib/util.js';
import { ADMIN_TOKEN, createProject, startHub, startSandbox, type IntegrationView, type RunningHub, type SandboxInfo } from '../../bench/lib/world.js';

export { ADMIN_TOKEN, createProject };

/** Dispatcher timings short enough for a run of minutes; the defaults wait 30 s after an unknown outcome. */
export const QUICK_HUB: HubOptions = {
  dispatcher: { pollMs: 100, backoff: { baseMs: 200, maxMs: 2000, factor: 2, unconfirmedWaitMs: 2000 } },
  processor: { pollMs: 100 },
};

export interface HubSlot {
  dataDir: string;
  port: number;
  /** Each start's output is appended to `<logDir>/hub-<n>.log`. */
  logDir: string;
  env?: Record<string, string>;
  options?: HubOptions;
  adminToken?: string;
  starts: number;
}

export async function hubSlot(workDir: string, o: Partial<Pick<HubSlot, 'env' | 'options' | 'adminToken'>> = {}): Promise<HubSlot> {
  return { dataDir: join(workDir, 'data'), port: await freePort(), logDir: workDir, starts: 0, ...o };
}

/** Starts (or restarts) the slot's hub on its data folder and port. */
export async function startSlot(slot: HubSlot): Promise<RunningHub> {
  slot.starts++;
  const hub = await startHub({
    dataDir: slot.dataDir,
    logFile: join(slot.logDir, `hub-${slot.starts}.log`),
    env: {
      PORT: String(slot.port),
      ...(slot.options ? { BENCH_HUB_OPTIONS: JSON.stringify(slot.options) } : {}),
      ...(slot.adminToken ? { SWITCHBOARD_ADMIN_TOKEN: slot.adminToken } : {}),
      ...slot.env,
    },
  });
  if (slot.adminToken) {
    await hub.api.close();
    const api = new Api(hub.url, slot.adminToken);
    return { ...hub, api };
  }
  return hub;
}

/** `kill -9`, then waits until the process is gone. */
export async function kill9(hub: RunningHub): Promise<void> {
  hub.child.kill();
  await hub.child.exited();
  await hub.api.close().catch(() => {});
}

export type SandboxChild = Child<SandboxInfo>;

/** A Sinch SMS sandbox child keeping every batch and callback attempt (the ledgers index them). */
export function sinchSandbox(plan: { id: string; token: string; callbackSigningSecret?: string }, o: Partial<SinchSmsSandboxOptions> = {}): Promise<SandboxChild> {
  return startSandbox({ historyLimit: 10_000_000, ...o, servicePlans: [plan] });
}

export async function sinchIntegration(
  api: Api,
  projectId: string,
  o: { baseUrl: string; plan: string; token: string; signingSecret?: string; sendTimeoutMs?: number; retryDeadlineSeconds?: number; name?: string; makeDefault?: boolean },
): Promise<IntegrationView> {
  const integration = await api.must<IntegrationView>(
    'POST',
    `/api/v1/projects/${projectId}/integrations`,
    {
      provider: 'sinch_sms',
      name: o.name ?? 'Sinch (torture)',
      config: { service_plan_id: o.plan, region: 'us', base_url: o.baseUrl },
      secrets: { api_token: o.token, ...(o.signingSecret ? { webhook_signing_secret: o.signingSecret } : {}) },
      rate_limit: null,
      ...(o.sendTimeoutMs ? { send_timeout_ms: o.sendTimeoutMs } : {}),
      ...(o.retryDeadlineSeconds ? { retry_deadline_seconds: o.retryDeadlineSeconds } : {}),
    },
    [201],
  );
  if (o.makeDefault ?? true) await api.must('PUT', `/api/v1/projects/${projectId}/settings`, { default_sms_integration_id: integration.id }, [200]);
  return integration;
}

/** The i-th of 5.6 million distinct US numbers whose last four digits (2000–9999) fall outside the sandbox's test-number table: plain Dispatched, then Delivered. */
export function plainNumber(i: number): string {
  return `+1202${200 + (Math.floor(i / 8000) % 700)}${2000 + (i % 8000)}`;
}
