/**
 * What a user sees of Courier's media jobs, read from the emulator's store (the user's own
 * message box, so ids are the user's): the offer under a sent file, each job's one status
 * message, the results, the refusals. Plus the user's side of the conversation: sending a file
 * with the attributes a real client sets, and pressing an inline button.
 */
import { Api, type TelegramClient } from 'telegram';
import type { TestEmulator } from './emulator.js';
import { userBox, type StoredMessage } from '../../src/emulator/world/messageStore.js';
import { accountsOf } from '../../src/emulator/world/accountsSide/index.js';

/** The status texts of src/texts/en.ts: queued, a phase with its percent, or an end. */
export const STATUS_TEXT = /^(Queued: |Downloading… \d+%|Processing… \d+%|Uploading… \d+%|Done\.|Cancelled\.|Failed\. )/;
export const OFFER_TEXT = /What should I do with it\?$/;
export const REFUSAL_TEXT = /^Sorry, I can't take this job\. /;

export interface Phase {
  name: 'Queued' | 'Downloading' | 'Processing' | 'Uploading' | 'Done' | 'Cancelled' | 'Failed';
  percent: number | null;
}

export function phaseOf(text: string): Phase | null {
  const m = /^(Queued|Downloading|Processing|Uploading|Done|Cancelled|Failed)(?:… (\d+)%)?/.exec(text);
  if (!m || !STATUS_TEXT.test(text)) return null;
  return { name: m[1] as Phase['name'], percent: m[2] === undefined ? null : Number(m[2]) };
}

export function buttonsOf(message: Api.Message): { text: string; data: Buffer }[] {
  const markup = message.replyMarkup;
  if (!(markup instanceof Api.ReplyInlineMarkup)) return [];
  return markup.rows.flatMap((row) => row.buttons.flatMap((b) => (b instanceof Api.KeyboardButtonCallback ? [{ text: b.text, data: Buffer.from(b.data) }] : [])));
}

const replyToOf = (m: Api.Message): number | undefined => (m.replyTo instanceof Api.MessageReplyHeader ? m.replyTo.replyToMsgId : undefined);

const hasMedia = (m: Api.Message): boolean => m.media !== undefined && m.media !== null && !(m.media instanceof Api.MessageMediaEmpty);

/** The bot's answers to one message of the user, as the user sees them. */
export interface Replies {
  offer: StoredMessage | undefined;
  statuses: StoredMessage[];
  results: StoredMessage[];
  refusals: StoredMessage[];
}

export class JobsChat {
  constructor(
    private readonly emu: TestEmulator,
    readonly userId: number,
    readonly client: TelegramClient,
  ) {}

  get botId(): number {
    return this.emu.emulator.sandbox.bot_user_id;
  }

  /** The bot's messages in this user's chat that reply to `sourceId`, oldest first. */
  repliesTo(sourceId: number): Replies {
    const history = this.emu.emulator.world.store.latest(userBox(this.userId), 500, { user: this.botId }).reverse();
    const mine = history.filter((m) => m.fromId === this.botId && replyToOf(m.message) === sourceId);
    const replies: Replies = { offer: undefined, statuses: [], results: [], refusals: [] };
    for (const m of mine) {
      const text = m.message.message;
      if (!hasMedia(m.message) && OFFER_TEXT.test(text)) replies.offer ??= m;
      else if (!hasMedia(m.message) && STATUS_TEXT.test(text)) replies.statuses.push(m);
      else if (!hasMedia(m.message) && REFUSAL_TEXT.test(text)) replies.refusals.push(m);
      else replies.results.push(m);
    }
    return replies;
  }

  /** Sends a file to the bot; returns the id of the user's message. */
  async sendFile(path: string, options: { fileName: string; video?: { seconds: number; w: number; h: number } }): Promise<number> {
    const attributes: Api.TypeDocumentAttribute[] = [new Api.DocumentAttributeFilename({ fileName: options.fileName })];
    if (options.video) {
      attributes.push(new Api.DocumentAttributeVideo({ duration: options.video.seconds, w: options.video.w, h: options.video.h, supportsStreaming: true }));
    }
    const sent = await this.client.sendFile(this.emu.sandbox.bot_username, {
      file: path,
      attributes,
      forceDocument: options.video === undefined,
      workers: 4,
    });
    return sent.id;
  }

  /** Presses the button labelled `label` (exactly, or by prefix) under `message`; returns the bot's answer text. */
  async press(message: StoredMessage, label: string): Promise<string> {
    const button = buttonsOf(message.message).find((b) => b.text === label || b.text.startsWith(`${label} `));
    if (!button) throw new Error(`no button "${label}" under message ${message.id}: ${JSON.stringify(buttonsOf(message.message).map((b) => b.text))}`);
    const peer = await this.client.getInputEntity(this.emu.sandbox.bot_username);
    const answer = await this.client.invoke(new Api.messages.GetBotCallbackAnswer({ peer, msgId: message.id, data: button.data }));
    return answer.message ?? '';
  }

  /** The current copy of a message (edits replace the stored body). */
  current(message: StoredMessage): StoredMessage {
    const now = this.emu.emulator.world.store.latest(userBox(this.userId), 500, { user: this.botId }).find((m) => m.id === message.id);
    if (!now) throw new Error(`message ${message.id} is gone from user ${this.userId}'s chat`);
    return now;
  }
}

/** The emulator's counters of file parts saved and chunks served. */
export function fileTraffic(emu: TestEmulator): { partsSaved: number; chunksServed: number } {
  return accountsOf(emu.emulator.world.db).files.traffic();
}
