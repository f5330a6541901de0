/**
 * A redis-server of the test's own: a free port, a temp directory, no RDB snapshots, AOF on (so a
 * restart of this server keeps the queue, like a production Redis should). Started per suite and
 * killed at its end. A machine without redis-server fails the suite with how to install it:
 * the bullmq backend is not optional to test.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer } from '../../src/tools/redisServer.js';

export class RedisServerMissingError extends Error {
  override readonly name = 'RedisServerMissingError';
  constructor() {
    super('redis-server is not installed, and the bullmq tests need one. Install it: `apt-get install -y redis-server` (Debian/Ubuntu, as root; .ci/run does this) or `brew install redis`.');
  }
}

export interface TestRedis {
  port: number;
  url: string;
  /** SIGKILLs the server (Redis "crashes"); `start()` brings it back on the same port and directory. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version']).error) throw new RedisServerMissingError();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'courier-redis-'));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    child = await startRedisServer(port, dir);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
