// `switchboard sandbox sinch-sms`: runs the Sinch SMS sandbox on its own, configured by flags
// or environment variables, until SIGINT/SIGTERM.
import { closeOnSignal, commaList, listenAddress, nonNegativeNumber as number, printHelp, printLines, parseSandboxFlags } from '../kit/cli.js';
import { createSinchSmsSandbox, type SinchSmsServicePlan } from './server.js';

export const SINCH_SMS_SANDBOX_USAGE = `usage: switchboard sandbox sinch-sms [flags]

  --port N                  port (default 8081; env SINCH_SMS_SANDBOX_PORT)
  --host H                  interface (default 127.0.0.1; env SINCH_SMS_SANDBOX_HOST)
  --plan ID:TOKEN           service plan and its API token, repeatable
                            (default demo:demo-token; env SINCH_SMS_SANDBOX_PLANS=id:token,id:token)
  --rate N                  batches per second per plan before 429 (default unlimited; env SINCH_SMS_SANDBOX_RATE)
  --signing-secret S        sign callbacks with x-sinch-webhook-signature (env SINCH_SMS_SANDBOX_SIGNING_SECRET)
  --callback-url URL        default delivery report URL of every plan (env SINCH_SMS_SANDBOX_CALLBACK_URL)
  --inbound-url URL         inbound (MO) URL of every plan (env SINCH_SMS_SANDBOX_INBOUND_URL)
  --dispatched-ms N         delay before Dispatched reports (default 200)
  --final-ms N              delay before final reports (default 800)
  --retry-base-ms N         first callback retry delay, doubling (default 5000)
  --verbose                 log every request
  --help`;

function plan(spec: string): SinchSmsServicePlan {
  const at = spec.indexOf(':');
  if (at <= 0 || at === spec.length - 1) throw new Error(`--plan expects ID:TOKEN, got '${spec}'`);
  return { id: spec.slice(0, at), token: spec.slice(at + 1) };
}

export async function runSinchSmsSandbox(argv: string[]): Promise<void> {
  const env = process.env;
  const values = parseSandboxFlags(argv, {
    plan: { type: 'string', multiple: true },
    'signing-secret': { type: 'string' },
    'callback-url': { type: 'string' },
    'inbound-url': { type: 'string' },
    'dispatched-ms': { type: 'string' },
    'final-ms': { type: 'string' },
  });
  if (printHelp(values, SINCH_SMS_SANDBOX_USAGE)) return;

  const { port, host } = listenAddress(values, 'SINCH_SMS_SANDBOX', 8081);
  const planSpecs = values.plan ?? commaList(env['SINCH_SMS_SANDBOX_PLANS']) ?? ['demo:demo-token'];
  const signingSecret = values['signing-secret'] ?? env['SINCH_SMS_SANDBOX_SIGNING_SECRET'];
  const callbackUrl = values['callback-url'] ?? env['SINCH_SMS_SANDBOX_CALLBACK_URL'];
  const inboundUrl = values['inbound-url'] ?? env['SINCH_SMS_SANDBOX_INBOUND_URL'];
  const servicePlans = planSpecs.map((spec) => ({
    ...plan(spec.trim()),
    callbackSigningSecret: signingSecret,
    defaultCallbackUrl: callbackUrl,
    inboundUrl,
  }));

  const sandbox = createSinchSmsSandbox({
    servicePlans,
    ratePerSecond: number('rate', values.rate ?? env['SINCH_SMS_SANDBOX_RATE']),
    delays: {
      dispatchedMs: number('dispatched-ms', values['dispatched-ms']),
      finalMs: number('final-ms', values['final-ms']),
    },
    retryBaseMs: number('retry-base-ms', values['retry-base-ms']),
    logger: values.verbose ?? false,
  });
  const url = await sandbox.listen(port, host);

  printLines([
    `Sinch SMS sandbox listening on ${url}`,
    ...servicePlans.map((p) => `  service plan ${p.id}  token ${p.token}  API base ${url}/xms/v1/${p.id}`),
    `  callbacks: ${signingSecret ? 'signed (x-sinch-webhook-signature)' : 'unsigned'}` +
      (callbackUrl ? `, default URL ${callbackUrl}` : '') +
      (inboundUrl ? `, inbound URL ${inboundUrl}` : ''),
    '  test numbers: last four digits 0001-0014 choose the outcome (see the simulator README)',
  ]);
  await closeOnSignal('Sinch SMS sandbox', sandbox);
}
