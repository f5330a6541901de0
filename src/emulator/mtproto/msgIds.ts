/**
 * Message identifiers (core.telegram.org/mtproto/description#message-identifier-msg-id):
 * msg_id ~ unixtime * 2^32. Client msg_ids are divisible by 4; server msg_ids are 1 mod 4 for
 * responses and 3 mod 4 otherwise, and increase monotonically.
 */

/** Generates strictly increasing server msg_ids from an injected clock (milliseconds). */
export class ServerMsgIdClock {
  private last = 0n;

  constructor(private readonly nowMs: () => number) {}

  next(isResponse: boolean): bigint {
    const ms = this.nowMs();
    const secs = BigInt(Math.floor(ms / 1000));
    const frac = BigInt(Math.floor(((ms % 1000) / 1000) * 2 ** 32)) & ~3n;
    let id = (secs << 32n) | frac;
    if (id <= this.last) id = (this.last | 3n) + 1n;
    id |= isResponse ? 1n : 3n;
    this.last = id;
    return id;
  }
}

/**
 * bad_msg_notification codes about a msg_id's time (service_messages_about_messages):
 * 16 = too low (more than 300 s in the past), 17 = too high (more than 30 s in the future),
 * 18 = not divisible by 4. Returns null when acceptable.
 */
export function checkClientMsgIdTime(msgId: bigint, nowMs: number): 16 | 17 | 18 | null {
  if (msgId % 4n !== 0n) return 18;
  const msgSecs = Number(msgId >> 32n);
  const now = nowMs / 1000;
  if (msgSecs < now - 300) return 16;
  if (msgSecs > now + 30) return 17;
  return null;
}
