/**
 * Persistent dialogs: "the bot asked something and waits for this user's answer in this chat",
 * stored in SQLite (src/storage/bot/dialogRepository.ts), so a restart between question and answer
 * loses nothing and two users (two admins) never see each other's state.
 *
 * Use: `dialogs.of(ctx)` gives the dialog of the update's (chat, sender). `current` is what it
 * waits for (or null); `ask(waiting, data)` stores the next question, `end()` leaves the dialog.
 * A move is recorded with the update that made it, so the same update handled again after a crash
 * sees the state it saw the first time and decides the same way (see the repository's header).
 *
 * Generic on purpose: the admin panel's questions use it, and so will user dialogs (Trim ranges,
 * Rename). useDialogCancel and useDialogReminder add the shared behaviour: /cancel leaves any dialog, and a message that
 * no handler of the awaited step took gets a short reminder of what is awaited.
 */
import { chatKeyOf } from '../domain/chat.js';
import type { Database } from '../storage/index.js';
import { loadDialog, saveDialog, type DialogState } from '../storage/bot/dialogRepository.js';
import type { Texts } from '../texts/index.js';
import type { BotContext, Router } from './router.js';

export const DEFAULT_DIALOG_TTL_MS = 24 * 3_600_000;

export interface Dialog {
  /** What the dialog waits for, or null when there is none (or it expired). */
  readonly current: DialogState | null;
  /** Waits for `waiting` next, with `data`; expires after ttlMs (default: the one createDialogs was given). */
  ask(waiting: string, data?: unknown, ttlMs?: number): void;
  end(): void;
}

export interface Dialogs {
  of(ctx: BotContext): Dialog;
}

/** How a dialog step is described in the reminder and /cancel answers (keys are `waiting` values, prefix match). */
export type Reminders = Record<string, (t: Texts) => string>;

/** `ttlMs`: how long a question waits when `ask` is not given its own (dialogs.ttlHours). */
export function createDialogs(db: Database, now: () => number = Date.now, ttlMs: number = DEFAULT_DIALOG_TTL_MS): Dialogs {
  const cache = new WeakMap<BotContext, Dialog>();
  return {
    of(ctx) {
      const known = cache.get(ctx);
      if (known) return known;
      const key = { chatKey: chatKeyOf(ctx.incoming.chat), userId: ctx.incoming.senderId };
      const updateKey = ctx.incoming.updateKey;
      const seen = loadDialog(db, key, updateKey, now());
      let current = seen;
      const dialog: Dialog = {
        get current() {
          return current;
        },
        ask(waiting, data = null, ttl = ttlMs) {
          const next = { waiting, data, expiresAt: now() + ttl };
          saveDialog(db, key, updateKey, seen, next);
          current = { ...next, version: (seen?.version ?? 0) + 1 };
        },
        end() {
          if (seen === null && current === null) return;
          saveDialog(db, key, updateKey, seen, null);
          current = null;
        },
      };
      cache.set(ctx, dialog);
      return dialog;
    },
  };
}

/** /cancel leaves whatever dialog the user is in. Register it before the steps' handlers. */
export function useDialogCancel(router: Router, dialogs: Dialogs): void {
  router.command('cancel', async (ctx) => {
    const dialog = dialogs.of(ctx);
    if (dialog.current === null) {
      await ctx.reply(ctx.t.dialogNothingToCancel);
      return;
    }
    dialog.end();
    await ctx.reply(ctx.t.dialogCancelled);
  });
}

/** The reminder: register after every step's handler, before the generic hint. */
export function useDialogReminder(router: Router, dialogs: Dialogs, reminders: Reminders): void {
  const describe = (t: Texts, waiting: string): string | null => {
    const prefix = Object.keys(reminders)
      .filter((p) => waiting.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    return prefix ? reminders[prefix]!(t) : null;
  };
  router.use(async (ctx, next) => {
    const dialog = dialogs.of(ctx);
    const waiting = dialog.current?.waiting;
    if (ctx.incoming.kind !== 'message' || waiting === undefined) return next();
    const what = describe(ctx.t, waiting);
    if (what === null) return next();
    await ctx.reply(ctx.t.dialogReminder(what));
  });
}
