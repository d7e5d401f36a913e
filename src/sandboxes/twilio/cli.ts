// `switchboard sandbox twilio`: runs the Twilio sandbox on its own, configured by flags or
// environment variables, until SIGINT/SIGTERM.
import { closeOnSignal, commaList, listenAddress, nonNegativeNumber as number, printHelp, printLines, parseSandboxFlags } from '../kit/cli.js';
import { createTwilioSandbox, type TwilioSandboxAccount } from './server.js';

/** The account a bare `sandbox twilio` serves (the SIDs are the spec's example SIDs). */
export const TWILIO_SANDBOX_DEMO = {
  accountSid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  authToken: 'demo-auth-token',
  apiKeySid: 'SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  apiKeySecret: 'demo-api-key-secret',
} as const;

export const TWILIO_SANDBOX_USAGE = `usage: switchboard sandbox twilio [flags]

  --port N                  port (default 8082; env TWILIO_SANDBOX_PORT)
  --host H                  interface (default 127.0.0.1; env TWILIO_SANDBOX_HOST)
  --account AC…:TOKEN       account SID and Auth Token, repeatable
                            (env TWILIO_SANDBOX_ACCOUNTS=AC…:token,AC…:token)
  --api-key [AC…:]SK…:SECRET  API key of the named account (default: the first), repeatable
                            (env TWILIO_SANDBOX_API_KEYS)
                            Without --account: the demo account ${TWILIO_SANDBOX_DEMO.accountSid}
                            (token ${TWILIO_SANDBOX_DEMO.authToken}) with API key
                            ${TWILIO_SANDBOX_DEMO.apiKeySid}:${TWILIO_SANDBOX_DEMO.apiKeySecret}
  --rate N                  Create Message requests per second per account before 429 (default unlimited;
                            env TWILIO_SANDBOX_RATE)
  --sent-ms N               delay before the \`sent\` callback (default 200)
  --final-ms N              delay before the final callback (default 800)
  --retry-base-ms N         first webhook retry delay, doubling (default 1000)
  --verbose                 log every request
  --help`;

function account(spec: string): TwilioSandboxAccount {
  const m = /^(AC[0-9a-fA-F]{32}):(.+)$/.exec(spec);
  if (!m) throw new Error(`--account expects AC<32 hex>:TOKEN, got '${spec}'`);
  return { accountSid: m[1]!, authToken: m[2]!, apiKeys: [] };
}

function apiKey(spec: string): { accountSid?: string; sid: string; secret: string } {
  const m = /^(?:(AC[0-9a-fA-F]{32}):)?(SK[0-9a-fA-F]{32}):(.+)$/.exec(spec);
  if (!m) throw new Error(`--api-key expects [AC<32 hex>:]SK<32 hex>:SECRET, got '${spec}'`);
  return { accountSid: m[1], sid: m[2]!, secret: m[3]! };
}

/** The accounts the flags describe; the demo account when none is given. */
export function sandboxAccounts(accountSpecs: string[], keySpecs: string[]): TwilioSandboxAccount[] {
  if (accountSpecs.length === 0) {
    const demo: TwilioSandboxAccount = {
      accountSid: TWILIO_SANDBOX_DEMO.accountSid,
      authToken: TWILIO_SANDBOX_DEMO.authToken,
      apiKeys: keySpecs.length === 0 ? [{ sid: TWILIO_SANDBOX_DEMO.apiKeySid, secret: TWILIO_SANDBOX_DEMO.apiKeySecret }] : [],
    };
    return attachKeys([demo], keySpecs);
  }
  return attachKeys(accountSpecs.map((s) => account(s.trim())), keySpecs);
}

function attachKeys(accounts: TwilioSandboxAccount[], keySpecs: string[]): TwilioSandboxAccount[] {
  for (const spec of keySpecs) {
    const key = apiKey(spec.trim());
    const owner = key.accountSid ? accounts.find((a) => a.accountSid === key.accountSid) : accounts[0];
    if (!owner) throw new Error(`--api-key names account ${key.accountSid}, which no --account defines`);
    (owner.apiKeys ??= []).push({ sid: key.sid, secret: key.secret });
  }
  return accounts;
}

export async function runTwilioSandbox(argv: string[]): Promise<void> {
  const env = process.env;
  const values = parseSandboxFlags(argv, {
    account: { type: 'string', multiple: true },
    'api-key': { type: 'string', multiple: true },
    'sent-ms': { type: 'string' },
    'final-ms': { type: 'string' },
  });
  if (printHelp(values, TWILIO_SANDBOX_USAGE)) return;

  const { port, host } = listenAddress(values, 'TWILIO_SANDBOX', 8082);
  const accounts = sandboxAccounts(
    values.account ?? commaList(env['TWILIO_SANDBOX_ACCOUNTS']) ?? [],
    values['api-key'] ?? commaList(env['TWILIO_SANDBOX_API_KEYS']) ?? [],
  );

  const sandbox = createTwilioSandbox({
    accounts,
    ratePerSecond: number('rate', values.rate ?? env['TWILIO_SANDBOX_RATE']),
    delays: { sentMs: number('sent-ms', values['sent-ms']), finalMs: number('final-ms', values['final-ms']) },
    retryBaseMs: number('retry-base-ms', values['retry-base-ms']),
    logger: values.verbose ?? false,
  });
  const url = await sandbox.listen(port, host);

  printLines([
    `Twilio sandbox listening on ${url}  (use it as the integration's base_url; the hub needs ALLOW_LOOPBACK_PROVIDER_URLS=true)`,
    ...accounts.flatMap((a) => [
      `  account ${a.accountSid}  auth token ${a.authToken}`,
      ...(a.apiKeys ?? []).map((k) => `    API key ${k.sid}  secret ${k.secret}`),
    ]),
    '  test numbers: magic +1500555000X, and last four digits 0010-0050, 3001-3007, 0429, 0500, 1610 (see the simulator README)',
  ]);
  await closeOnSignal('Twilio sandbox', sandbox);
}
