/**
 * The admin side of the bot: /admin (an inline panel: Stats, Broadcast, Users, Jobs, Backups),
 * /stats, /ban, /unban and /broadcast. Only for the ids in config `admins`, and only in a private
 * chat: for anyone else these commands do not exist (they fall through to the usual hint) and the
 * panel's buttons answer like any stale button.
 *
 * Every question the panel asks (the broadcast text, its confirmation, a user to look up) is a
 * persistent dialog of that admin in that chat (src/bot/dialogs.ts): two admins at once never see
 * each other's state, and a restart between question and answer loses nothing. Every action that
 * changes something (ban, unban, broadcast, job cancel, backup) is written to admin_audit.
 *
 * A broadcast is a text, or a file or photo the admin sends (with its caption): the file goes out
 * again by its stored reference (BotPort.sendMedia, messages.sendMedia), so nothing is uploaded.
 */
import { createHash } from 'node:crypto';
import { chatKeyOf } from '../../domain/chat.js';
import type { Database } from '../../storage/index.js';
import { recordAudit } from '../../storage/bot/auditRepository.js';
import { createBroadcast } from '../../storage/bot/broadcastRepository.js';
import { recentCatchups } from '../../storage/catchupRepository.js';
import { getJob } from '../../storage/jobRepository.js';
import { createKvRepository } from '../../storage/index.js';
import { jobLines, readStats } from '../../storage/bot/statsRepository.js';
import { countReachable } from '../../storage/bot/userRepository.js';
import type { MediaRef } from '../../domain/media.js';
import type { Texts } from '../../texts/index.js';
import { decodeBroadcastCallback, type BroadcastRunner } from '../broadcast/broadcastRunner.js';
import type { Dialogs } from '../dialogs.js';
import { parseCommand, type BotContext, type Router } from '../router.js';
import { resolveUserQuery, setBan, userCard, type UserAdminDeps } from './adminUsers.js';
import { backupsView, homeView, jobsView, PANEL, statsText, statsView, type BackupFile, type SystemFigures, type View } from './adminViews.js';

export interface AdminDeps extends UserAdminDeps {
  db: Database;
  dialogs: Dialogs;
  broadcasts: Pick<BroadcastRunner, 'launch' | 'command'>;
  /** Disk, memory and uptime figures of the running service. */
  system(): Promise<SystemFigures>;
  /** The files in the backups folder, newest first. */
  listBackups(): BackupFile[];
  /** "Back up now": writes a backup and returns its file name; absent when backups are not wired. */
  backUpNow?: (() => Promise<string>) | undefined;
}

/** The dialog steps of the panel (their reminders are in adminReminders). */
export const WAITS = { broadcastMessage: 'admin.broadcast.message', broadcastConfirm: 'admin.broadcast.confirm', userQuery: 'admin.users.query' } as const;

export const adminReminders = {
  [WAITS.broadcastMessage]: (t: Texts) => t.dialogWaits.broadcastMessage,
  [WAITS.broadcastConfirm]: (t: Texts) => t.dialogWaits.broadcastConfirm,
  [WAITS.userQuery]: (t: Texts) => t.dialogWaits.userQuery,
};

const LAST_BACKUP_KEY = 'ops.lastBackupAt';

/** A short id for callback data, from the update that made the broadcast (the same update, the same id). */
export function broadcastIdOf(updateKey: string): string {
  return createHash('sha256').update(updateKey).digest('base64url').slice(0, 16);
}

interface DraftData {
  text: string;
  /** The update whose text it is: names the broadcast. */
  draftKey: string;
  /** A file or photo to send again by reference (the text is then its caption). */
  media?: MediaRef;
}

function previewOf(t: Texts, recipients: number, draft: DraftData): string {
  return draft.media ? t.broadcastPreviewMedia(recipients, draft.media.fileName ?? t.mediaKinds[draft.media.kind], draft.text) : t.broadcastPreview(recipients, draft.text);
}

export function useAdmin(router: Router, deps: AdminDeps): void {
  const isAdmin = (ctx: BotContext) => ctx.incoming.chat.kind === 'user' && deps.admins.includes(ctx.incoming.senderId);
  const kv = createKvRepository(deps.db, deps.now);
  const lastBackupAt = (): number | null => {
    const raw = kv.get(LAST_BACKUP_KEY);
    if (raw === undefined) return null;
    const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    return Number.isFinite(ms) ? ms : null;
  };
  const startOfDay = () => {
    const d = new Date(deps.now());
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  };
  const stats = async (t: Texts) =>
    statsText(t, readStats(deps.db, deps.now(), startOfDay()), await deps.system(), recentCatchups(deps.db, 1)[0], lastBackupAt());

  /** Shows a view: in place of the panel message for a button press, as a new message for a command. */
  const show = async (ctx: BotContext, view: View) => {
    if (ctx.incoming.kind === 'callback') await ctx.port.editText(ctx.incoming.chat, ctx.incoming.messageId, view.text, { buttons: view.buttons });
    else await ctx.send(view.text, { buttons: view.buttons });
  };
  const askBroadcast = async (ctx: BotContext) => {
    deps.dialogs.of(ctx).ask(WAITS.broadcastMessage);
    await ctx.send(ctx.t.broadcastAsk);
  };
  const askUser = async (ctx: BotContext) => {
    deps.dialogs.of(ctx).ask(WAITS.userQuery);
    await ctx.send(ctx.t.adminAskUser);
  };
  // For anyone but an admin in a private chat these commands do not exist: next() leads to the hint.
  const adminCommand = (name: string, handler: (ctx: BotContext, args: string) => Promise<void>) =>
    router.use(async (ctx, next) => {
      const cmd = ctx.incoming.kind === 'message' ? parseCommand(ctx.incoming.text) : null;
      if (cmd?.name !== name || !isAdmin(ctx)) return next();
      await handler(ctx, cmd.args);
    });

  adminCommand('admin', async (ctx) => show(ctx, homeView(ctx.t)));
  adminCommand('stats', async (ctx) => show(ctx, statsView(ctx.t, await stats(ctx.t))));
  adminCommand('broadcast', askBroadcast);
  for (const [name, banned] of [['ban', true], ['unban', false]] as const) {
    adminCommand(name, async (ctx, args) => {
      if (args === '') {
        await ctx.reply(ctx.t.banUsage);
        return;
      }
      const userId = await resolveUserQuery(deps, args);
      await ctx.reply(userId === null ? ctx.t.userNotFound(args) : await setBan(ctx.t, deps, ctx.incoming.senderId, userId, banned, ctx.incoming.updateKey));
    });
  }

  router.callback('adm:', async (ctx, data) => {
    if (!isAdmin(ctx)) {
      await ctx.answer(ctx.t.callbackUnknown);
      return;
    }
    const t = ctx.t;
    const adminId = ctx.incoming.senderId;
    const origin = ctx.incoming.updateKey;
    const progress = decodeBroadcastCallback(data);
    if (progress) {
      const state = deps.broadcasts.command(progress.id, progress.command);
      if (state !== null) recordAudit(deps.db, { adminId, action: `broadcast.${progress.command}`, detail: { id: progress.id }, at: deps.now() }, origin);
      await ctx.answer(state === null ? t.callbackUnknown : t.broadcastStates[state]);
      return;
    }
    if (data === PANEL.home) await show(ctx, homeView(t));
    else if (data === PANEL.stats) await show(ctx, statsView(t, await stats(t)));
    else if (data === PANEL.jobs) await show(ctx, jobsView(t, jobLines(deps.db, startOfDay())));
    else if (data === PANEL.backups) await show(ctx, backupsView(t, deps.listBackups().slice(0, 5), lastBackupAt(), deps.backUpNow !== undefined));
    else if (data === PANEL.broadcast) await askBroadcast(ctx);
    else if (data === PANEL.users) await askUser(ctx);
    else if (data === PANEL.backupNow && deps.backUpNow) {
      await ctx.answer(t.backupStarted);
      recordAudit(deps.db, { adminId, action: 'backup', detail: {}, at: deps.now() }, origin);
      let line: string;
      try {
        line = t.backupDone(await deps.backUpNow());
      } catch (err) {
        line = t.backupFailed((err as Error).message);
      }
      const view = backupsView(t, deps.listBackups().slice(0, 5), lastBackupAt(), true);
      await show(ctx, { ...view, text: `${line}\n\n${view.text}` });
    } else if (data.startsWith(PANEL.cancelJob)) {
      const jobId = data.slice(PANEL.cancelJob.length);
      const job = getJob(deps.db, jobId);
      if (!job) {
        await ctx.answer(t.noSuchJob);
        return;
      }
      const answer = await deps.cancelJob(jobId, job.userId);
      recordAudit(deps.db, { adminId, action: 'job.cancel', detail: { jobId, userId: job.userId }, at: deps.now() }, origin);
      await ctx.answer((answer as { text?: string } | undefined)?.text ?? t.adminDone);
      await show(ctx, jobsView(t, jobLines(deps.db, startOfDay())));
    } else if (data.startsWith(PANEL.ban) || data.startsWith(PANEL.unban)) {
      const banned = data.startsWith(PANEL.ban);
      const userId = data.slice((banned ? PANEL.ban : PANEL.unban).length);
      await ctx.answer(await setBan(t, deps, adminId, userId, banned, origin));
      await show(ctx, userCard(t, deps, userId));
    } else if (data === PANEL.sendBroadcast || data === PANEL.dropBroadcast) {
      const dialog = deps.dialogs.of(ctx);
      const draft = dialog.current?.waiting === WAITS.broadcastConfirm ? (dialog.current.data as DraftData) : null;
      if (!draft) {
        await ctx.answer(t.callbackUnknown);
        return;
      }
      dialog.end();
      if (data === PANEL.dropBroadcast) {
        await ctx.answer(t.broadcastCancelledDraft);
        await ctx.port.editText(ctx.incoming.chat, ctx.incoming.messageId, t.broadcastCancelledDraft);
        return;
      }
      const id = broadcastIdOf(draft.draftKey);
      const lang = ctx.lang;
      const created = createBroadcast(
        deps.db,
        { id, adminId, adminChat: JSON.stringify(ctx.incoming.chat), text: draft.text, media: draft.media ? JSON.stringify(draft.media) : null, lang },
        deps.now(),
      );
      recordAudit(deps.db, { adminId, action: 'broadcast.send', detail: { id, recipients: created.recipients }, at: deps.now() }, origin);
      await ctx.answer(t.broadcastStates.running);
      // The preview loses its buttons; the runner sends the progress message.
      await ctx.port.editText(ctx.incoming.chat, ctx.incoming.messageId, previewOf(t, created.recipients, draft));
      deps.broadcasts.launch(id);
    } else {
      await ctx.answer(t.callbackUnknown);
    }
  });

  // The answers to the panel's questions.
  router.use(async (ctx, next) => {
    if (ctx.incoming.kind !== 'message' || !isAdmin(ctx)) return next();
    const dialog = deps.dialogs.of(ctx);
    const waiting = dialog.current?.waiting;
    const text = ctx.incoming.text.trim();
    if (text.startsWith('/')) return next();
    if (waiting === WAITS.broadcastMessage) {
      const media = ctx.incoming.media;
      if (!media && text === '') return next();
      const recipients = countReachable(deps.db);
      if (recipients === 0) {
        dialog.end();
        await ctx.reply(ctx.t.broadcastNobody);
        return;
      }
      const draft: DraftData = { text: ctx.incoming.text, draftKey: ctx.incoming.updateKey, ...(media ? { media } : {}) };
      dialog.ask(WAITS.broadcastConfirm, draft);
      const b = ctx.t.adminButtons;
      await ctx.send(previewOf(ctx.t, recipients, draft), {
        buttons: [[{ text: b.send, data: PANEL.sendBroadcast }, { text: b.cancel, data: PANEL.dropBroadcast }]],
      });
      return;
    }
    if (waiting === WAITS.userQuery && text !== '') {
      const userId = await resolveUserQuery(deps, text);
      dialog.end();
      if (userId === null) await ctx.reply(ctx.t.userNotFound(text));
      else await show(ctx, userCard(ctx.t, deps, userId));
      return;
    }
    await next();
  });
}

/** The key of a dialog, for tests: the admin's private chat. */
export const adminDialogKey = (adminId: string) => ({ chatKey: chatKeyOf({ kind: 'user', id: adminId }), userId: adminId });
