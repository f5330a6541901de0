/**
 * /settings: a personal menu of inline buttons (settingsMenu.ts) whose presses store the user's
 * choices in SQLite (src/storage/bot/settingsRepository.ts). Each press edits the menu message in
 * place; a press that stores a choice answers "Saved." and redraws the first page, in the new
 * language when the language was the choice.
 *
 * Exactly once: a press names the value it stores (settingsCallbacks.ts), so a press handled
 * again after a crash stores nothing new (the repository skips an unchanged write), edits the
 * message to what it already shows (Telegram's MESSAGE_NOT_MODIFIED counts as done) and answers
 * again: the user sees the same as if it had run once.
 *
 * settingsLanguage gives the router and the inbox the language of each update's sender.
 */
import type { Incoming } from '../../domain/incoming.js';
import type { Database } from '../../storage/index.js';
import { loadUserSettings, saveUserSettings } from '../../storage/bot/settingsRepository.js';
import { texts, type Lang } from '../../texts/index.js';
import type { Router } from '../router.js';
import { decodeSettingsPress, SETTINGS_CALLBACK_PREFIX, SettingsCallbackError } from './settingsCallbacks.js';
import { applyPress, homeView, languageOf, viewOf } from './settingsMenu.js';

export interface SettingsDeps {
  db: Database;
  now?: () => number;
}

/** The language of everything Courier writes for `incoming`: its sender's choice, else their app's. */
export function settingsLanguage(db: Database): (incoming: Incoming) => Lang {
  return (incoming) => languageOf(loadUserSettings(db, incoming.senderId).settings, incoming.langCode);
}

export function useSettings(router: Router, deps: SettingsDeps): void {
  const now = deps.now ?? Date.now;

  router.command('settings', async (ctx) => {
    // The menu changes the presser's own settings: in a group it would be anyone's buttons.
    if (ctx.incoming.chat.kind !== 'user') {
      await ctx.reply(ctx.t.settingsPrivateOnly);
      return;
    }
    const view = homeView(ctx.t, loadUserSettings(deps.db, ctx.incoming.senderId).settings);
    await ctx.send(view.text, { buttons: view.buttons });
  });

  router.callback(SETTINGS_CALLBACK_PREFIX, async (ctx, data) => {
    const incoming = ctx.incoming;
    if (incoming.kind !== 'callback') return;
    let press;
    try {
      press = decodeSettingsPress(data);
    } catch (error) {
      if (error instanceof SettingsCallbackError) return ctx.answer(ctx.t.callbackUnknown);
      throw error;
    }
    const current = loadUserSettings(deps.db, incoming.senderId).settings;
    const { settings, page } = applyPress(current, press);
    if (press.op === 'set') saveUserSettings(deps.db, incoming.senderId, settings, incoming.updateKey, now());
    // ctx.t was chosen before this press; a new language shows at once, in this very answer.
    const t = texts[languageOf(settings, incoming.langCode)];
    const view = viewOf(t, settings, page);
    await ctx.port.editText(incoming.chat, incoming.messageId, view.text, { buttons: view.buttons });
    await ctx.answer(press.op === 'set' ? t.settingsSaved : undefined);
  });
}
