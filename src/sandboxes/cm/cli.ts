// `switchboard sandbox cm`: runs the CM.com sandbox on its own, configured by flags or
// environment variables, until SIGINT/SIGTERM.
import { closeOnSignal, commaList, listenAddress, nonNegativeNumber as number, printHelp, printLines, parseSandboxFlags } from '../kit/cli.js';
import type { ReportFormat } from './callbacks.js';
import { OUTAGE_MODES, type OutageMode } from '../kit/outage.js';
import { createCmSandbox } from './server.js';

/** The demo account's product token (a GUID, as CM issues them). */
export const CM_SANDBOX_DEMO_TOKEN = '00000000-0000-4000-8000-00000000c0de';

export const CM_SANDBOX_USAGE = `usage: switchboard sandbox cm [flags]

  --port N                  port (default 8084; env CM_SANDBOX_PORT)
  --host H                  interface (default 127.0.0.1; env CM_SANDBOX_HOST)
  --token GUID              an account's product token, repeatable
                            (default ${CM_SANDBOX_DEMO_TOKEN}; env CM_SANDBOX_TOKENS=guid,guid)
  --status-url URL          status report URL of every account (env CM_SANDBOX_STATUS_URL)
  --report-format F         json (default) or xml (env CM_SANDBOX_REPORT_FORMAT)
  --inbound-url URL         incoming message (MO) URL of every account (env CM_SANDBOX_INBOUND_URL)
  --outage MODE             start in outage mode: off, http_503 or refuse (PUT /sandbox/outage changes it)
  --rate N                  requests per second per account before 429 (default unlimited; env CM_SANDBOX_RATE)
  --accepted-ms N           delay before Accepted reports (default 200)
  --final-ms N              delay before final reports (default 800)
  --retry-base-ms N         first report retry delay, doubling (default 1000)
  --verbose                 log every request
  --help`;

export async function runCmSandbox(argv: string[]): Promise<void> {
  const env = process.env;
  const values = parseSandboxFlags(argv, {
    token: { type: 'string', multiple: true },
    'status-url': { type: 'string' },
    'report-format': { type: 'string' },
    'inbound-url': { type: 'string' },
    outage: { type: 'string' },
    'accepted-ms': { type: 'string' },
    'final-ms': { type: 'string' },
  });
  if (printHelp(values, CM_SANDBOX_USAGE)) return;

  const { port, host } = listenAddress(values, 'CM_SANDBOX', 8084);
  const tokens = values.token ?? commaList(env['CM_SANDBOX_TOKENS']) ?? [CM_SANDBOX_DEMO_TOKEN];
  const format = values['report-format'] ?? env['CM_SANDBOX_REPORT_FORMAT'] ?? 'json';
  if (format !== 'json' && format !== 'xml') throw new Error(`--report-format expects json or xml, got '${format}'`);
  const reportFormat: ReportFormat = format;
  const outage = values.outage ?? 'off';
  if (!OUTAGE_MODES.includes(outage as OutageMode)) throw new Error(`--outage expects one of ${OUTAGE_MODES.join(', ')}, got '${outage}'`);
  const statusUrl = values['status-url'] ?? env['CM_SANDBOX_STATUS_URL'];
  const inboundUrl = values['inbound-url'] ?? env['CM_SANDBOX_INBOUND_URL'];
  const accounts = tokens.map((token) => ({ token: token.trim(), statusUrl, inboundUrl, reportFormat }));

  const sandbox = createCmSandbox({
    accounts,
    ratePerSecond: number('rate', values.rate ?? env['CM_SANDBOX_RATE']),
    delays: { acceptedMs: number('accepted-ms', values['accepted-ms']), finalMs: number('final-ms', values['final-ms']) },
    retryBaseMs: number('retry-base-ms', values['retry-base-ms']),
    logger: values.verbose ?? false,
  });
  const url = await sandbox.listen(port, host);
  sandbox.setOutage(outage as OutageMode);

  printLines([
    `CM.com sandbox listening on ${url}  (POST ${url}/v1.0/message)`,
    ...accounts.map((a) => `  product token ${a.token}`),
    `  status reports: ${statusUrl ? `${format.toUpperCase()} to ${statusUrl}` : 'none (no --status-url)'}` + (inboundUrl ? `, incoming messages to ${inboundUrl}` : ''),
    `  outage mode: ${outage} (PUT ${url}/sandbox/outage {"mode":"off|http_503|refuse"})`,
    '  test numbers: last four digits 0001-0014 choose the outcome (see the simulator README)',
  ]);
  await closeOnSignal('CM.com sandbox', sandbox);
}
