/** A BotPort that records what the bot says, for router and command tests. */
import type { BotPort, Button, SendOptions, SentMessage } from '../../src/domain/botPort.js';
import type { ChatRef } from '../../src/domain/chat.js';

export interface RecordedSend {
  chat: ChatRef;
  text: string;
  opts: SendOptions;
}

export class FakePort implements BotPort {
  readonly sent: RecordedSend[] = [];
  readonly edits: { chat: ChatRef; messageId: number; text: string; buttons?: Button[][] }[] = [];
  readonly answers: { queryId: string; text?: string }[] = [];
  pingMs = 42;
  private nextId = 1000;

  async sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage> {
    this.sent.push({ chat, text, opts });
    this.nextId += 1;
    return { messageId: this.nextId, duplicate: false };
  }

  async editText(chat: ChatRef, messageId: number, text: string, opts: { buttons?: Button[][] } = {}): Promise<void> {
    this.edits.push({ chat, messageId, text, ...opts });
  }

  async answerCallback(queryId: string, text?: string): Promise<void> {
    this.answers.push(text === undefined ? { queryId } : { queryId, text });
  }

  async ping(): Promise<number> {
    return this.pingMs;
  }
}
