/**
 * The inline keyboards the sandbox chat has shown, so that any of them can be pressed, not only
 * the newest: once a job ends, the offer's buttons above it are still there to press again, as in
 * a Telegram app.
 *
 * Every bot message is shown with its id ("bot #42: …") and its buttons numbered from 1. A bare
 * number presses that button of the newest keyboard; `/press MSG N` presses button N of message
 * #MSG. An edit replaces a message's keyboard; an edit that removes it takes the message off the
 * list. Plain data and no I/O, so the chat's rules are tested without a client.
 */

export interface KeyboardButton {
  label: string;
  data: Buffer;
}

export type Press = { kind: 'press'; msgId: number; button: KeyboardButton } | { kind: 'problem'; text: string };

/** Old keyboards beyond this many are forgotten; a long session stays small. */
const KEPT = 200;

export class ChatKeyboards {
  /** Message id -> its buttons; Map order is the order they were last shown in, newest last. */
  private readonly byMessage = new Map<number, KeyboardButton[]>();

  /** Records what a message shows now (no buttons: it has none any more). */
  show(msgId: number, buttons: readonly KeyboardButton[]): void {
    this.byMessage.delete(msgId);
    if (buttons.length === 0) return;
    this.byMessage.set(msgId, [...buttons]);
    if (this.byMessage.size > KEPT) this.byMessage.delete(this.byMessage.keys().next().value!);
  }

  /** "  [1] Audio  [2] Video": the line printed under a message with buttons. */
  static describe(buttons: readonly KeyboardButton[]): string {
    return buttons.map((b, i) => `  [${i + 1}] ${b.label}`).join('');
  }

  /** What a typed line presses: "N" (newest keyboard) or "/press MSG N"; undefined when it is no press. */
  resolve(line: string): Press | undefined {
    const bare = /^(\d+)$/.exec(line);
    const addressed = /^\/press\s+#?(\d+)\s+(\d+)$/.exec(line);
    if (!bare && !addressed) {
      return line.startsWith('/press') ? { kind: 'problem', text: 'Usage: /press MSG N, e.g. /press 42 1 presses button 1 of bot message #42.' } : undefined;
    }
    const msgId = addressed ? Number(addressed[1]) : [...this.byMessage.keys()].at(-1);
    const index = Number(addressed ? addressed[2] : bare![1]);
    if (msgId === undefined) return { kind: 'problem', text: 'No message with buttons yet.' };
    const buttons = this.byMessage.get(msgId);
    if (!buttons) return { kind: 'problem', text: `Message #${msgId} has no buttons.` };
    const button = buttons[index - 1];
    if (!button) return { kind: 'problem', text: `Message #${msgId} has buttons 1 to ${buttons.length}; there is no button ${index}.` };
    return { kind: 'press', msgId, button };
  }
}
