/**
 * Sends broadcasts: every pending recipient of every running broadcast, through the outbox's bulk
 * lane (limitedPort/rateLimiter: paced under Telegram's limits, behind live replies, so never a
 * FLOOD_WAIT and never a slow answer to a user), a few dozen sends in flight at a time.
 *
 * Durable and exactly once: the recipients were written when the admin pressed Send
 * (broadcastRepository.ts); a recipient's outcome is written after its send; every send carries
 * derivedRandomId("broadcast:<id>:<user>"), so a send repeated after a crash (sent, but not yet
 * marked) is dropped by Telegram as RANDOM_ID_DUPLICATE and counted as sent. `start()` resumes
 * every running broadcast where it stopped. Pause, Resume and Cancel act at once on the sends not
 * yet started; the ones in flight finish.
 *
 * The progress message (sent / blocked / deactivated / failed, with Pause/Resume/Cancel) is edited
 * at most every `progressEveryMs` while running and once at the end.
 */
import type { BotPort, Button } from '../../domain/botPort.js';
import { chatRefSchema, type ChatRef } from '../../domain/chat.js';
import { derivedRandomId } from '../../domain/randomId.js';
import { mediaRefSchema } from '../../domain/media.js';
import type { Database } from '../../storage/index.js';
import {
  getBroadcast,
  pendingRecipients,
  recordOutcome,
  setBroadcastState,
  setProgressMessage,
  tallyBroadcast,
  unfinishedBroadcasts,
  type BroadcastRecord,
  type BroadcastState,
  type Recipient,
} from '../../storage/bot/broadcastRepository.js';
import { markUnreachable } from '../../storage/bot/userRepository.js';
import { textsFor } from '../../texts/index.js';
import { applyCommand, commandsFor, isFinished, verdictOf, type BroadcastCommand } from './broadcastMachine.js';

export interface BroadcastRunnerDeps {
  db: Database;
  port: BotPort;
  now?: () => number;
  /** Sends in flight at once (the limiter paces them; this only bounds memory). Default 40. */
  window?: number;
  progressEveryMs?: number;
  /** Waits after a transient error; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  log?: { info(m: string): void; warn(m: string): void };
}

export interface BroadcastRunner {
  /** Resumes every running broadcast (call once the outbox is up). */
  start(): void;
  /** Starts sending a broadcast just created (a no-op when it already runs or has ended). */
  launch(id: string): void;
  /** Pause, Resume or Cancel; returns the new state, or null when refused. */
  command(id: string, command: BroadcastCommand): BroadcastState | null;
  /** Resolves when no broadcast is being sent (tests). */
  idle(): Promise<void>;
  /** Stops sending; unsent recipients stay pending for the next start. */
  stop(): Promise<void>;
}

export const BROADCAST_CALLBACK_PREFIX = 'adm:bc';

/** Callback data of a progress button: "adm:bcp:<id>", "adm:bcr:<id>", "adm:bcx:<id>". */
export function broadcastCallback(command: BroadcastCommand, id: string): string {
  return `${BROADCAST_CALLBACK_PREFIX}${command === 'pause' ? 'p' : command === 'resume' ? 'r' : 'x'}:${id}`;
}

export function decodeBroadcastCallback(data: string): { command: BroadcastCommand; id: string } | null {
  const m = /^adm:bc([prx]):([A-Za-z0-9_-]{1,40})$/.exec(data);
  if (!m) return null;
  return { command: m[1] === 'p' ? 'pause' : m[1] === 'r' ? 'resume' : 'cancel', id: m[2]! };
}

export function createBroadcastRunner(deps: BroadcastRunnerDeps): BroadcastRunner {
  const now = deps.now ?? Date.now;
  const window = deps.window ?? 40;
  const progressEveryMs = deps.progressEveryMs ?? 3000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const running = new Map<string, Promise<void>>();
  let stopping = false;

  const progressText = (b: BroadcastRecord) => {
    const t = textsFor(b.lang);
    const tally = tallyBroadcast(deps.db, b.id);
    const total = tally.pending + tally.sent + tally.blocked + tally.deactivated + tally.failed;
    return t.broadcastProgress(t.broadcastStates[b.state], tally.sent, tally.blocked, tally.deactivated, tally.failed, total);
  };
  const progressButtons = (b: BroadcastRecord): Button[][] => {
    const labels = textsFor(b.lang).adminButtons;
    const commands = commandsFor(b.state);
    return commands.length === 0 ? [] : [commands.map((c) => ({ text: labels[c], data: broadcastCallback(c, b.id) }))];
  };
  const adminChat = (b: BroadcastRecord): ChatRef => chatRefSchema.parse(JSON.parse(b.adminChat));

  async function showProgress(id: string): Promise<void> {
    const b = getBroadcast(deps.db, id);
    if (!b) return;
    const text = progressText(b);
    const buttons = progressButtons(b);
    try {
      if (b.progressMessageId === null) {
        const sent = await deps.port.sendText(adminChat(b), text, { randomId: derivedRandomId(`broadcast:${id}:progress`, 0), buttons });
        if (sent.messageId !== null) setProgressMessage(deps.db, id, sent.messageId);
      } else {
        await deps.port.editText(adminChat(b), b.progressMessageId, text, { buttons });
      }
    } catch (err) {
      deps.log?.warn(`broadcast ${id}: the progress message could not be updated (${(err as Error).message})`);
    }
  }

  async function sendOne(b: BroadcastRecord, r: Recipient): Promise<void> {
    const chat: ChatRef = { kind: 'user', id: r.userId, ...(r.accessHash ? { accessHash: r.accessHash } : {}) };
    for (let attempts = 1; ; attempts++) {
      try {
        const opts = { randomId: derivedRandomId(`broadcast:${b.id}:${r.userId}`, 0), lane: 'bulk' as const };
        if (b.media === null) await deps.port.sendText(chat, b.text, opts);
        else if (deps.port.sendMedia) await deps.port.sendMedia(chat, mediaRefSchema.parse(JSON.parse(b.media)).location, { ...opts, caption: b.text });
        else throw new Error('this BotPort cannot send media');
        recordOutcome(deps.db, b.id, r.userId, 'sent');
        return;
      } catch (err) {
        if (stopping) return; // the outbox is going down: stays pending for the next start
        const verdict = verdictOf(err, attempts);
        if (verdict === 'retry') {
          await sleep(Math.min(30_000, 500 * 2 ** attempts));
          if (stopping || getBroadcast(deps.db, b.id)?.state !== 'running') return;
          continue;
        }
        if (verdict === 'blocked' || verdict === 'deactivated') markUnreachable(deps.db, r.userId, verdict);
        else deps.log?.warn(`broadcast ${b.id}: sending to user ${r.userId} failed: ${(err as Error).message ?? String(err)}`);
        recordOutcome(deps.db, b.id, r.userId, verdict, verdict === 'sent' ? null : (err as Error).message ?? String(err));
        return;
      }
    }
  }

  async function run(id: string): Promise<void> {
    await showProgress(id);
    let cursor = '';
    let buffer: Recipient[] = [];
    let exhausted = false;
    let lastProgressAt = now();
    const isRunning = () => !stopping && getBroadcast(deps.db, id)?.state === 'running';
    const take = (): Recipient | undefined => {
      if (buffer.length === 0 && !exhausted) {
        buffer = pendingRecipients(deps.db, id, 500, cursor);
        if (buffer.length === 0) exhausted = true;
        else cursor = buffer[buffer.length - 1]!.userId;
      }
      return buffer.shift();
    };
    const worker = async () => {
      for (;;) {
        const b = getBroadcast(deps.db, id);
        if (stopping || !b || b.state !== 'running') return;
        const r = take();
        if (!r) return;
        await sendOne(b, r);
        if (now() - lastProgressAt >= progressEveryMs) {
          lastProgressAt = now();
          void showProgress(id);
        }
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    if (stopping) return;
    const b = getBroadcast(deps.db, id);
    if (b && isFinished(b.state, tallyBroadcast(deps.db, id))) {
      setBroadcastState(deps.db, id, 'done', now());
      const tally = tallyBroadcast(deps.db, id);
      deps.log?.info(`broadcast ${id} finished: ${tally.sent} sent, ${tally.blocked} blocked, ${tally.deactivated} deleted, ${tally.failed} failed`);
    } else if (isRunning()) {
      // Transient failures left rows pending: another round later.
      await sleep(5_000);
      if (isRunning()) return run(id);
    }
    await showProgress(id);
  }

  function launch(id: string): void {
    if (stopping || running.has(id)) return;
    const b = getBroadcast(deps.db, id);
    if (!b || b.state !== 'running') return;
    const done = run(id)
      .catch((err: unknown) => deps.log?.warn(`broadcast ${id} stopped on an error: ${(err as Error).message}`))
      .finally(() => running.delete(id));
    running.set(id, done);
  }

  return {
    start() {
      for (const b of unfinishedBroadcasts(deps.db)) if (b.state === 'running') launch(b.id);
    },
    launch,
    command(id, command) {
      const b = getBroadcast(deps.db, id);
      if (!b) return null;
      const next = applyCommand(b.state, command);
      if (next === null) return null;
      setBroadcastState(deps.db, id, next, now());
      if (next === 'running') launch(id);
      else if (!running.has(id)) void showProgress(id);
      // A running loop sees the new state at its next recipient and shows the final progress itself.
      return next;
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    async stop() {
      stopping = true;
      await Promise.all([...running.values()]);
    },
  };
}
