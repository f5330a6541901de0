/**
 * The first middleware of the router: who is writing, and may they.
 *
 * - Every sender in a private chat is upserted into users (first/last seen, language, access hash),
 *   which is where /stats counts users and a broadcast finds its recipients. Group senders are not
 *   recorded: the bot has no private chat with them to broadcast to.
 * - A banned user's update goes no further: it is stored and marked handled by the inbox like any
 *   other, but never answered, so no job can start either. The ban is read from the database on
 *   every update, so it takes effect at once and survives restarts. Admins cannot be banned.
 * - A reply that Telegram refuses because the user blocked the bot or deleted their account marks
 *   the user so and ends the update as handled: retrying a send that can never succeed would hold
 *   their chat's queue for hours.
 */
import { unreachableReason } from '../domain/recipientErrors.js';
import { logger } from '../log/logger.js';
import type { Database } from '../storage/index.js';
import { isBanned, markUnreachable, recordSeen } from '../storage/bot/userRepository.js';
import type { Router } from './router.js';

const log = logger('bot');

export interface UserTrackingDeps {
  db: Database;
  admins: readonly string[];
  now?: () => number;
}

export function useUserTracking(router: Router, deps: UserTrackingDeps): void {
  const now = deps.now ?? Date.now;
  router.use(async (ctx, next) => {
    const incoming = ctx.incoming;
    const banned =
      incoming.chat.kind === 'user'
        ? recordSeen(deps.db, { userId: incoming.senderId, accessHash: incoming.chat.accessHash, lang: incoming.langCode }, now()).banned
        : isBanned(deps.db, incoming.senderId);
    if (banned && !deps.admins.includes(incoming.senderId)) return;
    try {
      await next();
    } catch (err) {
      const why = unreachableReason(err);
      const userId = (err as { userId?: string }).userId;
      if (why === null || userId === undefined) throw err;
      markUnreachable(deps.db, userId, why);
      log.info(`user ${userId} cannot be reached (${why}); update ${incoming.updateKey} ends there`);
    }
  });
}
