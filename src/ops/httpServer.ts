/**
 * The operator's HTTP endpoint (ops.httpPort, bound to ops.httpHost, 127.0.0.1 unless set):
 * GET /metrics (Prometheus text format), /livez and /readyz (see health.ts). Read-only and
 * without user data, but still bound to loopback by default: metrics tell a stranger how busy the
 * bot is. Anything else is 404; anything but GET/HEAD is 405.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.js';

export interface OpsHttpHandlers {
  metrics(): Promise<{ contentType: string; body: string }>;
  readiness(): Readiness;
}

export interface OpsHttpServer {
  /** The port actually bound (useful with port 0 in tests... though 0 in the config means "off"). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsHttpServer(host: string, port: number, handlers: OpsHttpHandlers, onError: (error: unknown) => void): Promise<OpsHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const text = (status: number, body: string) => response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    switch (path) {
      case '/livez':
        text(200, 'ok\n');
        return;
      case '/readyz': {
        const readiness = handlers.readiness();
        if (readiness.ready) text(200, 'ok\n');
        else text(503, `not ready:\n${readiness.reasons.map((r) => `- ${r}`).join('\n')}\n`);
        return;
      }
      case '/metrics':
        handlers.metrics().then(
          ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
          (error: unknown) => {
            onError(error);
            text(500, 'metrics could not be collected; see the log\n');
          },
        );
        return;
      default:
        text(404, 'not found: try /metrics, /livez or /readyz\n');
    }
  });
  // Connections a scraper keeps alive must not hold Courier's stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
