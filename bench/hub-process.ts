// The hub under test, in its own process: started as `switchboard serve` starts it (same config
// from the environment, same defaults), then one ready line for the bench. Environment:
// SWITCHBOARD_DATA_DIR, PORT, SWITCHBOARD_ADMIN_TOKEN, LOG_LEVEL (warn), BODY_LIMIT_BYTES, and
// BENCH_HUB_OPTIONS (JSON of HubOptions: dispatcher and processor timings; unset = the defaults).
import { join } from 'node:path';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { Hub, type HubOptions } from '../src/hub.js';
import { createLogger } from '../src/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const hub = await Hub.open(config, logger, JSON.parse(process.env.BENCH_HUB_OPTIONS ?? '{}') as HubOptions);
const app = await buildApp(hub);
await hub.start();
await app.listen({ port: config.port, host: config.host });
process.stdout.write(
  `BENCH_READY ${JSON.stringify({ url: config.publicUrl, pid: process.pid, dataDir: config.dataDir, db: join(config.dataDir, 'switchboard.db') })}\n`,
);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await hub.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
