/**
 * One measured transfer of the upload and download benches (Courier's path or stock GramJS's) in
 * a process of its own: `node --import tsx sideProcess.ts '<SideTask as JSON>'`, which logs in as
 * the sandbox bot with a fresh session, runs the transfer under measured() and prints
 * `SIDE_RESULT {...}` on stdout.
 *
 * Why a process per side: peak RSS, the event loop's delay and the garbage collector's debts are
 * per process. When every run shared the bench's process, Courier's figures carried what the
 * stock runs before it had left on the heap (and a later run would carry Courier's), so the RSS
 * column measured the order of the runs as much as either side.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Api, type TelegramClient } from 'telegram';
import type { SandboxDescription } from '../../../telegram/connection/sandbox.js';
import { createTelegramFiles } from '../../../telegram/files/mediaFiles.js';
import { mediaRefOf } from '../../../telegram/files/mediaRef.js';
import { filename as cryptoWorkerFile } from '../../../../workers/transferCrypto.js';
import { connectBenchBot, courierUpload, measured, stockUpload, type UploadRun } from './benchClient.js';

interface Reach {
  /** The sandbox description (api id and hash, bot token, DC). */
  sandbox: SandboxDescription;
  /** The port to connect to: the emulator's, or the delay proxy's in front of it. */
  port: number;
}

export type SideTask =
  | (Reach & { kind: 'upload'; who: 'courier'; filePath: string; size: number; windowSize: number; connections: number })
  | (Reach & { kind: 'upload'; who: 'stock'; filePath: string; size: number; workers: number })
  | (Reach & { kind: 'download'; who: 'courier'; messageId: number; outputPath: string; size: number; windowSize: number; connections: number })
  | (Reach & { kind: 'download'; who: 'stock'; messageId: number; outputPath: string; size: number });

const RESULT_PREFIX = 'SIDE_RESULT ';
const selfFile = fileURLToPath(import.meta.url);

/** The bench bot's message `id` (the file a user sent it). */
export async function botMessage(client: TelegramClient, id: number): Promise<Api.Message> {
  const result = await client.invoke(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id })] }));
  const message = 'messages' in result ? result.messages[0] : undefined;
  if (!(message instanceof Api.Message)) throw new Error(`the bot cannot see message ${id} with the bench file`);
  return message;
}

async function runSide(task: SideTask): Promise<UploadRun> {
  const client = await connectBenchBot({ ...task.sandbox, port: task.port });
  try {
    if (task.kind === 'upload') {
      return task.who === 'courier'
        ? await courierUpload(client, task.filePath, task.size, { windowSize: task.windowSize, connections: task.connections })
        : await stockUpload(client, task.filePath, task.size, task.workers);
    }
    const message = await botMessage(client, task.messageId);
    if (task.who === 'stock') {
      return await measured(task.size, async () => {
        await client.downloadMedia(message, { outputFile: task.outputPath });
      });
    }
    const ref = mediaRefOf(message);
    if (!ref) throw new Error(`message ${task.messageId} carries no file`);
    // The files port the service uses: fast IGE, big packets in the transfer crypto thread.
    const files = createTelegramFiles(client, { downloadWindow: task.windowSize, downloadConnections: task.connections, cryptoWorkerFile });
    return await measured(task.size, () => files.download(ref, task.outputPath, { signal: new AbortController().signal }));
  } finally {
    await client.destroy();
  }
}

/** Runs `task` in a fresh process and returns its figures; rejects with the child's last words when it fails. */
export function measureInChild(task: SideTask): Promise<UploadRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', selfFile, JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as UploadRun);
      else reject(new Error(`the ${task.who} ${task.kind} run failed (exit ${code}): ${err.trim() || out.trim()}`));
    });
  });
}

if (process.argv[1] === selfFile) {
  const run = await runSide(JSON.parse(process.argv[2]!) as SideTask);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(run)}\n`);
  // GramJS leaves timers behind after destroy(); the figures are out.
  process.exit(0);
}
