/**
 * mtcute (@mtcute/node), a second MTProto library independent of GramJS, pointed at an emulator
 * knowing only what sandbox.json says: host, port, DC id, api id/hash and the server's RSA key.
 * It speaks its own layer (227 in 0.30.3) over the intermediate transport with RSA_PAD.
 */
import { MemoryStorage, type Message } from '@mtcute/core';
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js';
import { TelegramClient } from '@mtcute/node';
import type { SandboxDescription } from '../../src/telegram/connection/sandbox.js';

export interface MtcuteOptions {
  /** An SQLite file for the client's own state (kept across its restarts); in memory when absent. */
  storagePath?: string;
  /** mtcute's log level (0 = off ... 5 = verbose); 0 unless MTCUTE_LOG is set. */
  logLevel?: number;
}

let keyRegistered: string | null = null;

/** A client that will connect to the sandbox's DC; call `start` to log in. */
export async function buildMtcuteClient(sandbox: SandboxDescription, opts: MtcuteOptions = {}): Promise<TelegramClient> {
  if (keyRegistered !== sandbox.rsa_public_key_pem) {
    const crypto = new NodeCryptoProvider();
    await crypto.initialize?.();
    addPublicKey(crypto, sandbox.rsa_public_key_pem);
    keyRegistered = sandbox.rsa_public_key_pem;
  }
  const dc = { id: sandbox.dc_id, ipAddress: sandbox.host, port: sandbox.port, ipv6: false };
  return new TelegramClient({
    apiId: sandbox.api_id,
    apiHash: sandbox.api_hash,
    storage: opts.storagePath ?? new MemoryStorage(),
    defaultDcs: { main: dc, media: dc },
    logLevel: opts.logLevel ?? Number(process.env.MTCUTE_LOG ?? 0),
    updates: { catchUp: true },
  });
}

/** The sandbox bot, logged in with its token. */
export async function startMtcuteBot(sandbox: SandboxDescription, opts: MtcuteOptions = {}): Promise<TelegramClient> {
  const client = await buildMtcuteClient(sandbox, opts);
  await client.start({ botToken: sandbox.bot_token });
  return client;
}

/** A sandbox user, logged in with the login code (and its 2FA password when it has one). */
export async function startMtcuteUser(sandbox: SandboxDescription, phone: string, opts: MtcuteOptions = {}): Promise<TelegramClient> {
  const user = sandbox.users.find((u) => u.phone === phone);
  if (!user) throw new Error(`no sandbox user with phone ${phone}; see users in sandbox.json`);
  const client = await buildMtcuteClient(sandbox, opts);
  await client.start({ phone, code: () => sandbox.login_code, password: () => user['2fa_password'] ?? '', codeSentCallback: () => undefined });
  return client;
}

/** Resolves with the first new message (as mtcute parses it) whose text is `text`. */
export function nextMtcuteMessage(client: TelegramClient, text: string, ms = 10_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.onNewMessage.remove(handler);
      reject(new Error(`mtcute received no message "${text}" within ${ms} ms`));
    }, ms);
    const handler = (m: Message): void => {
      if (m.text !== text) return;
      clearTimeout(timer);
      client.onNewMessage.remove(handler);
      resolve(m);
    };
    client.onNewMessage.add(handler);
  });
}
