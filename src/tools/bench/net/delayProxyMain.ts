/**
 * Child-process entry of the delay proxy (delayProxy.ts), so its timers and copies never share the
 * measured client's event loop: `node --import tsx delayProxyMain.ts TARGET_PORT RTT_MS [MBIT]`.
 * Prints "delay proxy listening on PORT" once ready; stops on SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delayProxy.js';

export const delayProxyMainFilename = fileURLToPath(import.meta.url);

if (process.argv[1] === delayProxyMainFilename) {
  const [targetPort, rttMs, mbit] = process.argv.slice(2).map(Number);
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: targetPort!, rttMs: rttMs!, ...(mbit ? { mbit } : {}) });
  console.log(`delay proxy listening on ${proxy.port}`);
  process.once('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}
