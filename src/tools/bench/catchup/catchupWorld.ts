/**
 * The emulator side of `bench catchup`: an in-process emulator with its flood limits on, whose
 * flood gate is wrapped to count the bot's sends that passed and the FLOOD_WAITs it handed out
 * (no emulator edit needed: startEmulator takes the accounts wiring), extra sender accounts, the
 * backlog, and the bot's replies read back from the world's message store.
 *
 * In process rather than a child: the bench must send as any user (world.sendMessageAs) and read
 * every chat, and Courier runs as its own process anyway, so the two do not share a core.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { accountsWiring } from '../../../emulator/rpc/accounts.js';
import { addLoadUsers } from '../../../emulator/world/accountsSide/loadUsers.js';
import { userBox } from '../../../emulator/world/messageStore.js';
import type { Limits } from '../../../emulator/world/world.js';
import type { PeerRef } from '../../../emulator/world/chats.js';

export interface FloodCounters {
  /** Bot sends the gate let through, and when the last one did (performance.now()). */
  passed: number;
  /** performance.now() of the first send let through since the bench last set it to 0. */
  firstPassAt: number;
  lastPassAt: number;
  /** 420 FLOOD_WAIT_X errors the gate returned to the bot. */
  floodWaits: number;
  /** Called for every bot send the gate let through, with its chat (the load bench times replies with it). */
  onPass?: (peer: PeerRef) => void;
}

export interface BenchWorld {
  readonly emulator: RunningEmulator;
  readonly dataDir: string;
  readonly limits: Limits;
  readonly flood: FloodCounters;
  readonly botId: number;
  close(): Promise<void>;
}

export async function startBenchWorld(): Promise<BenchWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'courier-bench-catchup-emu-'));
  const flood: FloodCounters = { passed: 0, firstPassAt: 0, lastPassAt: 0, floodWaits: 0 };
  const counting = {
    handlers: accountsWiring.handlers,
    open: (...args: Parameters<typeof accountsWiring.open>) => {
      const side = accountsWiring.open(...args);
      const gate = side.flood;
      if (!gate) return side;
      return {
        ...side,
        flood: (senderId: number, peer: Parameters<typeof gate>[1]) => {
          try {
            gate(senderId, peer);
          } catch (err) {
            if (err instanceof Error && /FLOOD_WAIT/.test(err.message)) flood.floodWaits++;
            throw err;
          }
          flood.passed++;
          flood.lastPassAt = performance.now();
          flood.onPass?.(peer);
          if (flood.firstPassAt === 0) flood.firstPassAt = flood.lastPassAt;
        },
      };
    },
  };
  // Flood limits stay at their defaults (on): the answer phase is measured against them.
  const emulator = await startEmulator({ dataDir, port: 0, accounts: counting });
  return {
    emulator,
    dataDir,
    limits: emulator.world.limits,
    flood,
    botId: emulator.sandbox.bot_user_id,
    close: () => emulator.close(),
  };
}

export function addSenders(w: BenchWorld, count: number): number[] {
  return addLoadUsers(w.emulator.world.db, count, 'Catch-up bench user');
}

export interface SentMessage {
  from: number;
  /** The message's id in the bot's box: what the bot's reply points at. */
  id: number;
}

const TEXT_PREFIX = 'catch-up bench message';

/** N private messages to the bot, round-robin over `senders`; returns them as the bot's box numbers them. */
export function sendBacklog(w: BenchWorld, senders: readonly number[], messages: number): SentMessage[] {
  const world = w.emulator.world;
  for (let i = 0; i < messages; i++) world.sendMessageAs(senders[i % senders.length]!, { user: w.botId }, `${TEXT_PREFIX} ${i}`);
  // One read of the bot's box afterwards instead of one per send; nothing else writes to it meanwhile.
  const box = world.store.latest(userBox(w.botId), messages + 1000);
  return box
    .filter((m) => m.fromId !== w.botId && m.message.message.startsWith(TEXT_PREFIX))
    .map((m) => ({ from: m.fromId, id: m.id }))
    .reverse();
}

/** reply_to id -> how many replies the bot sent to it, over the whole bot box. */
export function replyCounts(w: BenchWorld, limit: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of w.emulator.world.store.latest(userBox(w.botId), limit)) {
    if (m.fromId !== w.botId) continue;
    const to = (m.message.replyTo as { replyToMsgId?: number } | undefined)?.replyToMsgId;
    if (typeof to === 'number') counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

export interface ReplyTally {
  answered: number;
  lost: number;
  duplicates: number;
}

export function tallyReplies(sent: readonly SentMessage[], counts: Map<number, number>): ReplyTally {
  let answered = 0;
  let duplicates = 0;
  for (const s of sent) {
    const n = counts.get(s.id) ?? 0;
    if (n > 0) answered++;
    if (n > 1) duplicates++;
  }
  return { answered, lost: sent.length - answered, duplicates };
}
