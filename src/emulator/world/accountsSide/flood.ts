/**
 * Bot send limits as token buckets (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 30 messages per second overall, about 1 per second to one chat (short bursts allowed),
 * at most 20 per minute to one group. A send over a limit fails with 420 FLOOD_WAIT_X, X being
 * the seconds until it would pass (core.telegram.org/api/errors#420-flood). A refused send
 * consumes nothing. Users are not limited (SIMPLIFICATION).
 */
import { RpcError } from '../../contract.js';
import type { PeerRef } from '../chats.js';
import type { FloodGate } from '../messages.js';
import type { Limits } from '../world.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

interface Rule {
  key: string;
  capacity: number;
  perMs: number;
}

export interface FloodDeps {
  nowMs: () => number;
  limits: Limits & { enabled?: boolean };
  isBot: (userId: number) => boolean;
}

export function createFloodGate(d: FloodDeps): FloodGate {
  const buckets = new Map<string, Bucket>();
  const refill = (rule: Rule, now: number): Bucket => {
    const b = buckets.get(rule.key) ?? { tokens: rule.capacity, atMs: now };
    const tokens = Math.min(rule.capacity, b.tokens + Math.max(0, now - b.atMs) / rule.perMs);
    return { tokens, atMs: now };
  };
  return (senderId: number, peer: PeerRef) => {
    const l = d.limits;
    if (l.enabled === false || !d.isBot(senderId)) return;
    const peerKey = 'user' in peer ? `u${peer.user}` : 'chat' in peer ? `g${peer.chat}` : `c${peer.channel}`;
    const rules: Rule[] = [];
    if (l.botMessagesPerSecond > 0) rules.push({ key: `${senderId}`, capacity: l.botMessagesPerSecond, perMs: 1000 / l.botMessagesPerSecond });
    if (l.botMessagesPerChatPerSecond > 0) {
      rules.push({ key: `${senderId}:${peerKey}`, capacity: Math.max(1, l.botChatBurst), perMs: 1000 / l.botMessagesPerChatPerSecond });
    }
    // SIMPLIFICATION: every basic group and supergroup counts as a "group" (channels proper are not modelled).
    if (!('user' in peer) && l.botMessagesPerGroupPerMinute > 0) {
      rules.push({ key: `${senderId}:${peerKey}:min`, capacity: l.botMessagesPerGroupPerMinute, perMs: 60_000 / l.botMessagesPerGroupPerMinute });
    }
    const now = d.nowMs();
    const filled = rules.map((r) => ({ rule: r, bucket: refill(r, now) }));
    let waitMs = 0;
    for (const { rule, bucket } of filled) {
      if (bucket.tokens < 1) waitMs = Math.max(waitMs, (1 - bucket.tokens) * rule.perMs);
    }
    if (waitMs > 0) throw new RpcError(420, `FLOOD_WAIT_${Math.max(1, Math.ceil(waitMs / 1000))}`);
    for (const { rule, bucket } of filled) buckets.set(rule.key, { tokens: bucket.tokens - 1, atMs: bucket.atMs });
  };
}
