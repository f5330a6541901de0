/**
 * The bot's router: middleware `(ctx, next)` composed in order, as in grammY. One context per
 * incoming update carries the update (plain data), the user's language and the ways to answer.
 *
 * Invariants:
 * - every message the bot sends for an update gets a random_id derived from the update's key and
 *   the message's ordinal (replyRandomId), so handling the same update again after a crash
 *   re-sends with the same ids and Telegram drops the copies (RANDOM_ID_DUPLICATE);
 * - a callback query is always answered: if no handler did, the router answers it empty, so a
 *   user's button never spins until Telegram gives up.
 */
import { replyRandomId } from '../domain/randomId.js';
import type { BotPort, Button, SentMessage } from '../domain/botPort.js';
import type { Incoming } from '../domain/incoming.js';
import { langFor, texts, type Lang, type Texts } from '../texts/index.js';

export interface BotContext {
  readonly incoming: Incoming;
  readonly lang: Lang;
  readonly t: Texts;
  readonly port: BotPort;
  /** Sends a message to the update's chat. */
  send(text: string, opts?: { replyTo?: number; buttons?: Button[][] }): Promise<SentMessage>;
  /** Sends a message quoting the incoming message. */
  reply(text: string, opts?: { buttons?: Button[][] }): Promise<SentMessage>;
  /** Answers the callback query (a no-op for messages). */
  answer(text?: string): Promise<void>;
}

export type Next = () => Promise<void>;
export type Middleware = (ctx: BotContext, next: Next) => Promise<void>;

export interface ParsedCommand {
  name: string;
  /** The @username in "/cmd@username", lower-cased. */
  target: string | null;
  args: string;
}

/** "/Ping@CourierBot  a b" -> { name: "ping", target: "courierbot", args: "a b" }; null for non-commands. */
export function parseCommand(text: string): ParsedCommand | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  return { name: match[1]!.toLowerCase(), target: match[2]?.toLowerCase() ?? null, args: (match[3] ?? '').trim() };
}

export interface RouterOptions {
  /** The bot's username, so "/start@OtherBot" in a group is left alone. */
  botUsername?: string | null;
  /**
   * The language of an update's answers (the sender's /settings choice, src/bot/settings);
   * default: the Telegram app's lang_code.
   */
  langOf?: (incoming: Incoming) => Lang;
}

export class Router {
  private readonly stack: Middleware[] = [];

  constructor(private readonly options: RouterOptions = {}) {}

  use(middleware: Middleware): this {
    this.stack.push(middleware);
    return this;
  }

  /** Handles "/name" (and "/name@thisbot") messages. */
  command(names: string | string[], handler: (ctx: BotContext, args: string) => Promise<void>): this {
    const wanted = new Set((Array.isArray(names) ? names : [names]).map((n) => n.toLowerCase()));
    const own = this.options.botUsername?.toLowerCase() ?? null;
    return this.use(async (ctx, next) => {
      const cmd = ctx.incoming.kind === 'message' ? parseCommand(ctx.incoming.text) : null;
      if (cmd && wanted.has(cmd.name) && (cmd.target === null || own === null || cmd.target === own)) {
        await handler(ctx, cmd.args);
        return;
      }
      await next();
    });
  }

  /** Handles callback queries whose data starts with `prefix`. */
  callback(prefix: string, handler: (ctx: BotContext, data: string) => Promise<void>): this {
    return this.use(async (ctx, next) => {
      if (ctx.incoming.kind === 'callback' && ctx.incoming.data.startsWith(prefix)) {
        await handler(ctx, ctx.incoming.data);
        return;
      }
      await next();
    });
  }

  async handle(incoming: Incoming, port: BotPort): Promise<void> {
    const ctx = createContext(incoming, port, this.options.langOf?.(incoming) ?? langFor(incoming.langCode));
    const run = async (index: number): Promise<void> => {
      const middleware = this.stack[index];
      if (middleware) await middleware(ctx, () => run(index + 1));
    };
    await run(0);
    if (incoming.kind === 'callback' && !ctx.answered) await port.answerCallback(incoming.queryId);
  }
}

function createContext(incoming: Incoming, port: BotPort, lang: Lang): BotContext & { readonly answered: boolean } {
  let ordinal = 0;
  let answered = false;
  const send = (text: string, opts: { replyTo?: number; buttons?: Button[][] } = {}): Promise<SentMessage> => {
    const randomId = replyRandomId(incoming.updateKey, ordinal);
    ordinal += 1;
    return port.sendText(incoming.chat, text, { ...opts, randomId });
  };
  return {
    incoming,
    lang,
    t: texts[lang],
    port,
    send,
    reply: (text, opts = {}) => send(text, { ...opts, replyTo: incoming.messageId }),
    answer: async (text) => {
      if (incoming.kind !== 'callback' || answered) return;
      answered = true;
      await port.answerCallback(incoming.queryId, text);
    },
    get answered() {
      return answered;
    },
  };
}
