/**
 * The sandbox's terminal chat: a newcomer talks to Courier as one of the sandbox's users,
 * through a real GramJS user client connected to the emulator.
 *
 * Typing text sends it; `/file PATH` sends a file; a number presses that inline button of the
 * newest keyboard, and `/press MSG N` button N of an earlier bot message #MSG (keyboards.ts);
 * `/quit` leaves. The bot's replies and edits appear live, each with its message id.
 */
import readline from 'node:readline';
import fs from 'node:fs';
import { TelegramClient, Api } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { EditedMessage, type EditedMessageEvent } from 'telegram/events/EditedMessage.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { sandboxClientOptions, prepareSandboxSession, type SandboxDescription } from '../../telegram/connection/sandbox.js';
import { errorMessage } from '../../log/logger.js';
import { ChatKeyboards, type KeyboardButton } from './keyboards.js';
import { registerSandboxSecrets } from './sandboxSecrets.js';

export interface SandboxChatOptions {
  sandbox: SandboxDescription;
  /** Index into sandbox.users of the account to chat as. */
  userIndex?: number;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export async function runSandboxChat(options: SandboxChatOptions): Promise<void> {
  const { sandbox } = options;
  const out = options.output ?? process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  const user = sandbox.users[options.userIndex ?? 0];
  if (!user) throw new Error('The sandbox description lists no users; delete its data directory and start again.');
  registerSandboxSecrets(sandbox);

  const session = new StringSession('');
  prepareSandboxSession(session, sandbox);
  const client = new TelegramClient(session, sandbox.api_id, sandbox.api_hash, {
    ...sandboxClientOptions(sandbox),
    connectionRetries: 5,
    // GramJS's own log lines would interleave with the chat.
    baseLogger: new Logger(LogLevel.NONE),
  });
  await client.start({
    phoneNumber: async () => user.phone,
    phoneCode: async () => sandbox.login_code,
    password: async () => user['2fa_password'] ?? '',
    onError: (err) => {
      throw err;
    },
  });
  const bot = await client.getInputEntity(sandbox.bot_username);
  say(`You are ${user.first_name} (${user.phone}), chatting with @${sandbox.bot_username}.`);
  say('Type a message; /file PATH sends a file; a number presses that button of the newest keyboard;');
  say('/press MSG N presses button N of bot message #MSG; /quit leaves.');

  const keyboards = new ChatKeyboards();
  const show = (prefix: string, message: Api.Message) => {
    say(`${prefix} ${message.message ?? ''}${message.media ? ` [${message.media.className}]` : ''}`);
    const buttons: KeyboardButton[] = [];
    const markup = message.replyMarkup;
    if (markup instanceof Api.ReplyInlineMarkup) {
      for (const row of markup.rows) {
        for (const button of row.buttons) {
          if (button instanceof Api.KeyboardButtonCallback) buttons.push({ data: Buffer.from(button.data), label: button.text });
        }
      }
    }
    keyboards.show(message.id, buttons);
    if (buttons.length > 0) say(ChatKeyboards.describe(buttons));
  };
  client.addEventHandler((event: NewMessageEvent) => show(`bot #${event.message.id}:`, event.message), new NewMessage({ incoming: true }));
  client.addEventHandler(
    (event: EditedMessageEvent) => show(`bot #${event.message.id} (edited):`, event.message),
    new EditedMessage({ incoming: true }),
  );

  const rl = readline.createInterface({ input: options.input ?? process.stdin, output: out, terminal: false });
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') continue;
      if (line === '/quit') break;
      try {
        const press = keyboards.resolve(line);
        if (press?.kind === 'problem') {
          say(press.text);
        } else if (press) {
          const answer = await client.invoke(
            new Api.messages.GetBotCallbackAnswer({ peer: bot, msgId: press.msgId, data: press.button.data }),
          );
          if (answer.message) say(`bot (answer): ${answer.message}`);
        } else if (line.startsWith('/file ')) {
          const file = line.slice('/file '.length).trim();
          if (!fs.existsSync(file)) {
            say(`No file at ${file}.`);
            continue;
          }
          await client.sendFile(bot, { file, forceDocument: false, workers: 4 });
          say(`(sent ${file})`);
        } else {
          await client.sendMessage(bot, { message: line });
        }
      } catch (err) {
        say(`(failed: ${errorMessage(err)})`);
      }
    }
  } finally {
    rl.close();
    await client.disconnect();
    await client.destroy().catch(() => undefined);
  }
}
