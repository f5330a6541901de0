/**
 * The bot's router: /start and /help explain what Courier does, /ping measures a real round trip
 * to Telegram, files and links get action buttons (src/bot/media.ts), and any other text gets a
 * one-line hint quoting the message it answers.
 */
import { adminReminders, useAdmin, type AdminDeps } from './admin/adminPanel.js';
import { createDialogs, DEFAULT_DIALOG_TTL_MS, useDialogCancel, useDialogReminder } from './dialogs.js';
import { mediaReminders, useMediaDialogs } from './mediaDialogs.js';
import { useMediaFlow, type MediaFlowDeps } from './media.js';
import { parseCommand, Router, type BotContext } from './router.js';
import { settingsLanguage, useSettings, type SettingsDeps } from './settings/useSettings.js';
import { useUserTracking } from './users.js';
import { useUsage, type UsageDeps } from './usage.js';

export interface BotOptions {
  botUsername?: string | null;
  /** Media jobs; without them files get no buttons (tests of the commands alone). */
  media?: MediaFlowDeps;
  /**
   * Users (tracking, bans), persistent dialogs and the admin panel (src/bot/admin); without them
   * the bot keeps no users and has no admin commands (tests of the commands alone).
   */
  admin?: Omit<AdminDeps, 'dialogs'>;
  /** /settings and the per-user language; without it every answer follows the app's lang_code. */
  settings?: SettingsDeps;
  /** /usage, the daily quotas (src/bot/usage.ts); without it the command is not there. */
  usage?: UsageDeps;
  /** How long a question waits for its answer (dialogs.ttlHours); default 24 h. */
  dialogTtlMs?: number;
}

export function buildBotRouter(options: BotOptions = {}): Router {
  const settings = options.settings;
  const router = new Router({ botUsername: options.botUsername ?? null, ...(settings ? { langOf: settingsLanguage(settings.db) } : {}) });
  const own = options.botUsername?.toLowerCase() ?? null;
  const admin = options.admin;
  const ttlMs = options.dialogTtlMs ?? DEFAULT_DIALOG_TTL_MS;
  // Dialogs need the database: the admin panel's or the media flow's (the same one in app.ts).
  const dialogDb = admin?.db ?? options.media?.db;
  const dialogs = dialogDb ? createDialogs(dialogDb, admin?.now ?? options.media?.now, ttlMs) : null;

  // First: every sender is recorded, and a banned one goes no further.
  if (admin) useUserTracking(router, admin);

  router.command('start', async (ctx) => {
    await ctx.send(ctx.t.welcome);
  });
  router.command('help', async (ctx) => {
    await ctx.send(ctx.t.help);
  });
  router.command('ping', async (ctx) => {
    const ms = await ctx.port.ping();
    await ctx.reply(ctx.t.pong(Math.max(0, Math.round(ms))));
  });
  if (options.usage) useUsage(router, options.usage);

  if (dialogs) useDialogCancel(router, dialogs);
  if (admin && dialogs) useAdmin(router, { ...admin, dialogs });
  if (settings) useSettings(router, settings);

  if (options.media) {
    const media = options.media;
    const askOption = dialogs ? useMediaDialogs(router, { db: media.db, runner: media.runner, dialogs, ttlMs }) : undefined;
    useMediaFlow(router, { ...media, ...(askOption ? { askOption } : {}) });
  }

  // A message that no step took while a dialog waits: say what is awaited instead of the hint.
  if (dialogs) useDialogReminder(router, dialogs, { ...adminReminders, ...mediaReminders });

  router.use(async (ctx, next) => {
    if (ctx.incoming.kind === 'message' && wantsHint(ctx, own)) {
      await ctx.reply(ctx.t.hint);
      return;
    }
    await next();
  });

  // A button from an older version of the bot, or one whose work is gone.
  router.use(async (ctx) => {
    if (ctx.incoming.kind === 'callback') await ctx.answer(ctx.t.callbackUnknown);
  });
  return router;
}

/**
 * In a private chat every message the bot does not understand gets the hint. In a group the bot
 * stays quiet unless a command was addressed to it by name: answering every group message is spam.
 */
function wantsHint(ctx: BotContext, own: string | null): boolean {
  if (ctx.incoming.kind !== 'message') return false;
  // A file without a caption has no text; media handling (jobs) answers those, not the hint.
  if (ctx.incoming.text.trim() === '') return false;
  if (ctx.incoming.chat.kind === 'user') return true;
  const cmd = parseCommand(ctx.incoming.text);
  return cmd !== null && own !== null && cmd.target === own;
}
