/**
 * Handles one chat's pending inbox rows, oldest first, one at a time (the ChatQueue calls this per
 * chat). A row leaves 'pending' only after its handler finished, so a crash in between means it
 * is handled again after the restart; the replies then carry the same random_ids (router.ts) and
 * Telegram drops the copies. That is "exactly once in effect".
 *
 * Late messages: one that waited longer than `delayedNoteSeconds` gets a short note, in the user's
 * language, on its first answer; one older than `oldMessages.maxAgeHours` is, when the action is
 * 'acknowledge', only answered with a note saying it was too old.
 */
import type { Database } from '../storage/index.js';
import { logger } from '../log/logger.js';
import { markDone, nextPending, recordAttempt, type InboxRow } from '../storage/inboxRepository.js';
import type { BotPort } from '../domain/botPort.js';
import { incomingSchema, type Incoming } from '../domain/incoming.js';
import { replyRandomId } from '../domain/randomId.js';
import { langFor, texts, type Lang, type Texts } from '../texts/index.js';
import { createLanguageFiller } from './language.js';

const log = logger('inbox');

/** What answers an update: the bot's router (src/bot/router.ts), wired in by the composition root. */
export interface UpdateHandler {
  handle(incoming: Incoming, port: BotPort): Promise<void>;
}

export interface InboxDrainOptions {
  db: Database;
  router: UpdateHandler;
  port: BotPort;
  now?: () => number;
  delayedNoteSeconds: number;
  oldMessages: { maxAgeHours: number | null; action: 'handle' | 'acknowledge' };
  /** A row that started this many times without finishing is skipped (it crashes the handler). */
  maxAttempts?: number;
  /** Called after each row is done (tests and metrics). */
  onHandled?: (row: InboxRow, outcome: 'handled' | 'acknowledged' | 'skipped') => void;
  /** The language of the notes to an update's sender (their /settings choice); default: the app's lang_code. */
  langOf?: (incoming: Incoming) => Lang;
}

/**
 * High on purpose: every restart in the middle of a row counts, and so does every retry while
 * Telegram is unreachable (with the caller's backoff, 50 attempts span hours); only a row that
 * fails that often is given up on.
 */
export const DEFAULT_MAX_ATTEMPTS = 50;

/**
 * Returns the chat queue's handler: it handles a chat's oldest pending row (skipping poison rows
 * on the way) and resolves true when it handled one, so the queue gives other chats a turn before
 * the next row of this one; false when the chat has nothing pending.
 */
export function createInboxDrain(options: InboxDrainOptions): (chatKey: string) => Promise<boolean> {
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const langOf = options.langOf ?? ((incoming: Incoming) => langFor(incoming.langCode));
  const fillLanguage = createLanguageFiller(options.db);
  return async (chatKey) => {
    for (;;) {
      const row = nextPending(options.db, chatKey);
      if (!row) return false;
      const attempts = recordAttempt(options.db, row.id);
      const parsed = incomingSchema.safeParse(row.payload);
      if (attempts > maxAttempts || !parsed.success) {
        const why = parsed.success ? `it was started ${attempts - 1} times without finishing` : `its stored form is not valid (${parsed.error.issues[0]?.message ?? 'unknown'})`;
        log.error(`skipping update ${row.updateKey}: ${why}`);
        markDone(options.db, row.id, 'skipped', now());
        options.onHandled?.(row, 'skipped');
        continue;
      }
      const incoming = parsed.data;
      // Before anything answers: the notes below and every reply of the router speak the user's language.
      await fillLanguage(incoming, options.port);
      const waitedMs = now() - row.sentAt * 1000;
      const maxAgeHours = options.oldMessages.maxAgeHours;
      if (incoming.kind === 'message' && maxAgeHours !== null && options.oldMessages.action === 'acknowledge' && waitedMs > maxAgeHours * 3_600_000) {
        const t = texts[langOf(incoming)];
        await options.port.sendText(incoming.chat, t.tooOld(maxAgeHours), { replyTo: incoming.messageId, randomId: replyRandomId(incoming.updateKey, 0) });
        markDone(options.db, row.id, 'done', now());
        options.onHandled?.(row, 'acknowledged');
        return true;
      }
      const late = incoming.kind === 'message' && waitedMs > options.delayedNoteSeconds * 1000;
      await options.router.handle(incoming, late ? withDelayedNote(options.port, texts[langOf(incoming)], waitedMs) : options.port);
      markDone(options.db, row.id, 'done', now());
      options.onHandled?.(row, 'handled');
      return true;
    }
  };
}

/** A port whose first message for this update starts with the "I was offline" note. */
function withDelayedNote(port: BotPort, t: Texts, waitedMs: number): BotPort {
  let noted = false;
  const note = t.delayed(Math.max(1, Math.round(waitedMs / 60_000)));
  return {
    sendText: (chat, text, opts) => {
      if (noted) return port.sendText(chat, text, opts);
      noted = true;
      return port.sendText(chat, `${note}\n\n${text}`, opts);
    },
    editText: (...args) => port.editText(...args),
    answerCallback: (...args) => port.answerCallback(...args),
    ping: () => port.ping(),
    ...(port.sendMedia ? { sendMedia: port.sendMedia.bind(port) } : {}),
    ...(port.resolveUsername ? { resolveUsername: port.resolveUsername.bind(port) } : {}),
    ...(port.userLangCode ? { userLangCode: port.userLangCode.bind(port) } : {}),
  };
}
