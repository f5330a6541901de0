/**
 * A redis-server of a tool's or a test's own: on a free loopback port, in its own directory, no
 * RDB snapshots, AOF on (a restart of this server keeps the queue, as a production Redis should).
 * One way to start one, shared by `bench jobs --backend bullmq` and the bullmq tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { freePort } from './freePort.js';

export { freePort };

export class RedisServerError extends Error {
  override readonly name = 'RedisServerError';
}

/** True when a Redis answers PING on the port (a raw RESP probe: no client library, no retries). */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      socket.end();
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** Starts redis-server on `port` with its files in `dir`; resolves once it answers PING (10 s at most). */
export async function startRedisServer(port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  // Kept for the error message only, so its tail is enough: the server runs for a whole suite.
  const keep = (c: Buffer) => (output = (output + c.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(port))) {
    if (spawnError) throw new RedisServerError(`redis-server could not start (${(spawnError as Error).message}); install it: apt-get install -y redis-server.`);
    if (child.exitCode !== null || Date.now() > deadline) throw new RedisServerError(`redis-server did not answer PING on port ${port}:\n${output}`);
    // Polling interval of the readiness probe above, not a synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}
