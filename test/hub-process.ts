// A hub in a process of its own with the options the test gives (HUB_OPTIONS, JSON), for the
// multi-process tests that need what `serve` does not take: polls of a minute, so that only the
// news between processes can make one act in time. Configured from the environment as `serve`
// is; losing its coordination session ends it with code 70, as `serve`.
import { startHub } from './helpers.js';

const pass = ['DATABASE_URL', 'DATABASE_POOL_SIZE', 'SWITCHBOARD_SECRET_KEY', 'SWITCHBOARD_ADMIN_TOKEN', 'PUBLIC_URL', 'PORT', 'LOG_LEVEL', 'ALLOW_LOOPBACK_PROVIDER_URLS'];
const env = Object.fromEntries(pass.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
const dataDir = process.env.SWITCHBOARD_DATA_DIR;
if (!dataDir || !env.PORT) throw new Error('SWITCHBOARD_DATA_DIR and PORT are needed');

const hub = await startHub({ dataDir, env, hub: JSON.parse(process.env.HUB_OPTIONS ?? '{}') });
process.stdout.write(`${JSON.stringify({ url: hub.url, pid: process.pid })}\n`);
const stop = () => void hub.close({ keepData: true }).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
