/**
 * A user's view of Courier's media jobs, through a real GramJS user client: send a file or a link,
 * read the bot's replies to it (the offer with buttons, the job's status message, the result),
 * press a button, and wait until the status message shows a final state.
 *
 * Everything here reads the chat as the user's app would (messages.getHistory through GramJS), so
 * the tests assert what the user sees, not Courier's database.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Api, type TelegramClient } from 'telegram';

const run = promisify(execFile);

/** The status texts of src/texts/en.ts that end a job. */
export const FINAL_STATUS = /^(Done\.|Failed\. |Cancelled\.)/;
/** Every status text, final or not. */
export const ANY_STATUS = /^(Queued: |Downloading… |Processing… |Uploading… |Done\.$|Failed\. |Cancelled\.$)/;

/**
 * Resolves with `probe()`'s first non-undefined value; polls, because the chat is read over RPC.
 * The deadline only turns a reply that never comes into a readable failure.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 30_000, everyMs = 100): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export class JobsChat {
  constructor(
    readonly user: TelegramClient,
    readonly bot: string,
  ) {}

  /** The latest messages of the chat with the bot, oldest first. */
  async history(limit = 60): Promise<Api.Message[]> {
    const messages = await this.user.getMessages(this.bot, { limit });
    return messages.filter((m): m is Api.Message => m instanceof Api.Message).reverse();
  }

  /** The bot's replies to the user's message `id`, oldest first. */
  async repliesTo(id: number): Promise<Api.Message[]> {
    return (await this.history()).filter((m) => !m.out && m.replyTo instanceof Api.MessageReplyHeader && m.replyTo.replyToMsgId === id);
  }

  /** Sends a file as the user and returns the sent message's id. */
  async sendFile(file: string, attributes: Api.TypeDocumentAttribute[], forceDocument = false): Promise<number> {
    const sent = await this.user.sendFile(this.bot, { file, attributes, forceDocument, workers: 2 });
    return sent.id;
  }

  async sendText(text: string): Promise<number> {
    const sent = await this.user.sendMessage(this.bot, { message: text, linkPreview: false });
    return sent.id;
  }

  /** The bot's reply to `id` carrying the action buttons. */
  offerFor(id: number): Promise<Api.Message> {
    return eventually(async () => (await this.repliesTo(id)).find((m) => buttonsOf(m).some((b) => b.data.startsWith('m1|'))), `the offer for message ${id}`);
  }

  /** The first reply to `id` that `match` accepts. */
  replyTo(id: number, match: (m: Api.Message) => boolean, what: string, deadlineMs?: number): Promise<Api.Message> {
    return eventually(async () => (await this.repliesTo(id)).find(match), what, deadlineMs);
  }

  /** Presses the button labelled `label` (exact, or a prefix ending in a space) and returns the bot's answer text. */
  async press(offer: Api.Message, label: string): Promise<string> {
    const button = buttonsOf(offer).find((b) => b.text === label || b.text.startsWith(`${label} `));
    if (!button) throw new Error(`no button "${label}" under the offer; it has ${buttonsOf(offer).map((b) => JSON.stringify(b.text)).join(', ')}`);
    const answer = await this.user.invoke(new Api.messages.GetBotCallbackAnswer({ peer: this.bot, msgId: offer.id, data: Buffer.from(button.data) }));
    return answer.message ?? '';
  }

  /** The job's status messages among the replies to `id` (at most one is expected). */
  async statusMessages(id: number): Promise<Api.Message[]> {
    return (await this.repliesTo(id)).filter((m) => m.media === null || m.media === undefined ? ANY_STATUS.test(m.message) : false);
  }

  /** Waits until every status message replying to `id` shows a final state, and returns them. */
  async finalStatuses(id: number, count: number, deadlineMs = 60_000): Promise<Api.Message[]> {
    return eventually(
      async () => {
        const statuses = await this.statusMessages(id);
        return statuses.length >= count && statuses.every((m) => FINAL_STATUS.test(m.message)) ? statuses : undefined;
      },
      `${count} final status message(s) under message ${id}`,
      deadlineMs,
    );
  }

  /** Downloads a message's media to a Buffer, as the user's app would. */
  async download(message: Api.Message): Promise<Buffer> {
    const data = await this.user.downloadMedia(message, {});
    if (!Buffer.isBuffer(data)) throw new Error(`message ${message.id} has no downloadable media`);
    return data;
  }
}

export function buttonsOf(message: Api.Message): { text: string; data: string }[] {
  const markup = message.replyMarkup;
  if (!(markup instanceof Api.ReplyInlineMarkup)) return [];
  return markup.rows.flatMap((row) =>
    row.buttons.filter((b): b is Api.KeyboardButtonCallback => b instanceof Api.KeyboardButtonCallback).map((b) => ({ text: b.text, data: Buffer.from(b.data).toString('utf8') })),
  );
}

/** The document of a media message, or null. */
export function documentOf(message: Api.Message): Api.Document | null {
  const media = message.media;
  return media instanceof Api.MessageMediaDocument && media.document instanceof Api.Document ? media.document : null;
}

export function attributeOf<T extends Api.TypeDocumentAttribute>(doc: Api.Document, type: abstract new (...args: never[]) => T): T | undefined {
  return doc.attributes.find((a): a is T => a instanceof type);
}

export interface Probed {
  format: string;
  durationSeconds: number;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  tags: Record<string, string>;
}

/** ffprobe's view of a file: container, duration, streams and tags. */
export async function ffprobeFile(ffprobePath: string, file: string): Promise<Probed> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const json = JSON.parse(stdout) as { format: { format_name: string; duration?: string; tags?: Record<string, string> }; streams: Probed['streams'] };
  return { format: json.format.format_name, durationSeconds: Number(json.format.duration ?? 'NaN'), streams: json.streams, tags: json.format.tags ?? {} };
}
