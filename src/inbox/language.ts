/**
 * The user's language for an update that came without one.
 *
 * Telegram shares a user's app language with bots only inside user objects (user.lang_code), and
 * the short updates it sends for plain texts in private chats (updateShortMessage: a /start, a
 * link) carry no user object. The inbox sink fills the gap from the last user object it saw in
 * this process; what is left when a row is handled is filled here, in this order:
 *
 * 1. the language stored with the user (users.lang, written by src/bot/users.ts from earlier
 *    updates), so a restart loses nothing;
 * 2. otherwise Telegram is asked once (BotPort.userLangCode, users.getUsers), e.g. for a new
 *    user's very first /start. The answer, or its absence, is remembered for the process, so a
 *    user Telegram shares no language for costs one request, not one per message.
 *
 * A failed lookup is not worth failing the update for: the user is answered in English and the
 * next user object Telegram sends corrects it.
 */
import type { BotPort } from '../domain/botPort.js';
import type { Incoming } from '../domain/incoming.js';
import { errorMessage, logger } from '../log/logger.js';
import type { Database } from '../storage/index.js';
import { storedLang } from '../storage/bot/userRepository.js';

const log = logger('inbox');

/** Remembered answers are dropped all at once beyond this many users (a bound, not a cache policy). */
const MAX_REMEMBERED = 10_000;

export type LanguageFiller = (incoming: Incoming, port: BotPort) => Promise<void>;

export function createLanguageFiller(db: Database): LanguageFiller {
  const asked = new Map<string, string | null>();
  return async (incoming, port) => {
    if (incoming.langCode) return;
    const stored = storedLang(db, incoming.senderId);
    if (stored) {
      incoming.langCode = stored;
      return;
    }
    if (!port.userLangCode) return;
    let answer = asked.get(incoming.senderId);
    if (answer === undefined) {
      const own = incoming.chat.kind === 'user' && incoming.chat.id === incoming.senderId ? incoming.chat.accessHash : undefined;
      try {
        answer = await port.userLangCode({ id: incoming.senderId, ...(own !== undefined ? { accessHash: own } : {}) });
      } catch (err) {
        // Remembered as unknown too: a user Telegram will not describe must not cost a request and a warning per message.
        log.warn(`could not ask Telegram for the language of user ${incoming.senderId} (${errorMessage(err)}); answering them in English until an update names their language`);
        answer = null;
      }
      if (asked.size >= MAX_REMEMBERED) asked.clear();
      asked.set(incoming.senderId, answer);
    }
    if (answer) incoming.langCode = answer;
  };
}
