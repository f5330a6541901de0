/**
 * The pure half of `bench load`: when each message is sent and by whom, the floor Telegram's
 * limits set for answering them, and percentiles. No clock, no I/O: the bench feeds times in.
 */

export interface LoadShape {
  users: number;
  /** Messages each user sends. */
  messages: number;
  /** Seconds the sends are spread over. */
  seconds: number;
}

export interface PlannedSend {
  /** Index into the users array. */
  user: number;
  /** Seconds after the load starts. */
  at: number;
}

/**
 * Sends spaced evenly over `seconds`, users round-robin, so each user's messages are `seconds /
 * messages` apart and the offered rate is constant (users × messages / seconds per second).
 */
export function planSends(shape: LoadShape): PlannedSend[] {
  const total = shape.users * shape.messages;
  const step = total > 0 ? shape.seconds / total : 0;
  return Array.from({ length: total }, (_, i) => ({ user: i % shape.users, at: i * step }));
}

/** The offered load's spread when --minutes is not given: 80 % of the overall send limit, so replies can keep up. */
export function defaultSeconds(totalMessages: number, botMessagesPerSecond: number): number {
  return totalMessages / (botMessagesPerSecond * 0.8);
}

/**
 * When the last answer could come at best: each message answered at the earliest moment both the
 * overall limit (one send every 1/perSecond s) and its chat's limit (one every 1/perChat s) allow,
 * never before it arrived, in arrival order. Bursts are ignored, so the floor is slightly strict.
 */
export function answerFloorSeconds(arrivals: readonly { chat: number; at: number }[], limits: { perSecond: number; perChatPerSecond: number }): number {
  const globalGap = 1 / limits.perSecond;
  const chatGap = 1 / limits.perChatPerSecond;
  const chatFree = new Map<number, number>();
  let globalFree = 0;
  let last = 0;
  for (const a of [...arrivals].sort((x, y) => x.at - y.at)) {
    const at = Math.max(a.at, globalFree, chatFree.get(a.chat) ?? 0);
    globalFree = at + globalGap;
    chatFree.set(a.chat, at + chatGap);
    last = at;
  }
  return last;
}

/** The q-th percentile (0..100) by nearest rank; null for no samples. */
export function percentile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Pairs each bot send to a chat with the oldest unanswered message of that chat: the time to the
 * first reply, per message. Sends to a chat with nothing outstanding (a second reply) are counted.
 */
export class ReplyClock {
  private readonly outstanding = new Map<number, number[]>();
  readonly latencies: number[] = [];
  extraReplies = 0;

  sent(chat: number, atMs: number): void {
    const queue = this.outstanding.get(chat);
    if (queue) queue.push(atMs);
    else this.outstanding.set(chat, [atMs]);
  }

  replied(chat: number, atMs: number): void {
    const queue = this.outstanding.get(chat);
    const sentAt = queue?.shift();
    if (sentAt === undefined) {
      this.extraReplies++;
      return;
    }
    if (queue!.length === 0) this.outstanding.delete(chat);
    this.latencies.push(atMs - sentAt);
  }
}
