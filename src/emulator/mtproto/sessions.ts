/**
 * Per-auth-key and per-session protocol state.
 *
 * An auth key (core.telegram.org/mtproto/description#authorization-key-auth-key) carries the server
 * salt and the API layer the client announced with invokeWithLayer. A session (its random 64-bit
 * id) carries the server's seqno counter and the msg_ids already received, used for the
 * bad_msg_notification checks in core.telegram.org/mtproto/service_messages_about_messages.
 */
import { randomBytes } from 'node:crypto';
import type { AuthKeyStore } from '../contract.js';
import { authKeyIdOf } from './crypto.js';

export interface AuthKeyState {
  readonly authKey: Buffer;
  readonly authKeyId: bigint;
  /**
   * SIMPLIFICATION: one server salt per auth key that never rotates, kept in memory only. After an
   * emulator restart a client's salt is unknown, so its first message gets bad_server_salt (48)
   * and is re-sent, which is exactly how a real server answers an expired salt.
   */
  salt: bigint;
  layer: number | null;
}

function randomSalt(): bigint {
  return randomBytes(8).readBigInt64LE(0);
}

/** Caches auth keys from the world's persistent AuthKeyStore. */
export class AuthKeyRegistry {
  private readonly keys = new Map<bigint, AuthKeyState>();

  constructor(private readonly store: AuthKeyStore) {}

  lookup(authKeyId: bigint): AuthKeyState | undefined {
    const cached = this.keys.get(authKeyId);
    if (cached) return cached;
    const authKey = this.store.get(authKeyId);
    if (!authKey || authKeyIdOf(authKey) !== authKeyId) return undefined;
    const state: AuthKeyState = { authKey, authKeyId, salt: randomSalt(), layer: null };
    this.keys.set(authKeyId, state);
    return state;
  }

  create(authKey: Buffer, authKeyId: bigint, salt: bigint): AuthKeyState {
    this.store.put(authKeyId, authKey);
    const state: AuthKeyState = { authKey, authKeyId, salt, layer: null };
    this.keys.set(authKeyId, state);
    return state;
  }
}

/** How many received msg_ids a session remembers; older ones get code 20 ("too old"). */
const MSG_ID_WINDOW = 4096;

export type BadMsgCode = 19 | 20 | 32 | 33 | 34 | 35;

export class SessionState {
  private contentSent = 0;
  /** Whether new_session_created went out (on the first message with a valid salt). */
  announced = false;
  private readonly seen = new Set<bigint>();
  private readonly seenOrder: bigint[] = [];
  private maxMsgId = 0n;
  private seqAtMax = -1;
  /** Requests still running, for invokeAfterMsg. */
  readonly running = new Map<bigint, Promise<unknown>>();

  constructor(
    readonly authKeyId: bigint,
    readonly sessionId: bigint,
    readonly uniqueId: bigint = randomSalt(),
  ) {}

  /** Server seqno: odd and incremented for content-related messages, even otherwise. */
  nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.contentSent * 2;
    return this.contentSent++ * 2 + 1;
  }

  hasSeen(msgId: bigint): boolean {
    return this.seen.has(msgId);
  }

  /** 1 = unknown/too old, 2 = not received, 3 = msg_id too high, 4 = received (msgs_state_info). */
  stateOf(msgId: bigint): number {
    if (this.seen.has(msgId)) return 4;
    if (msgId > this.maxMsgId) return 3;
    const oldest = this.seenOrder[0];
    return oldest !== undefined && msgId >= oldest ? 2 : 1;
  }

  /**
   * Checks a client message's msg_id and seqno against what this session already received, and
   * records it when acceptable. `contentRelated: 'either'` accepts both parities: Telegram takes
   * msgs_ack and msgs_state_req with an odd seqno too (mtcute sends them so), so only a
   * container's odd seqno still gets 34. Returns 'duplicate' for a msg_id seen before (the server ignores
   * it), or a bad_msg_notification code.
   */
  accept(msgId: bigint, seqNo: number, contentRelated: boolean | 'either', isContainer: boolean): BadMsgCode | 'duplicate' | null {
    if (this.seen.has(msgId)) return isContainer ? 19 : 'duplicate';
    const oldest = this.seenOrder[0];
    if (this.seenOrder.length >= MSG_ID_WINDOW && oldest !== undefined && msgId < oldest) return 20;
    if (contentRelated === true && seqNo % 2 === 0) return 35;
    if (contentRelated === false && seqNo % 2 === 1) return 34;
    if (contentRelated === true && this.seqAtMax >= 0) {
      // 32: a lower msg_id already came with a higher (or equal odd) seqno; 33: the reverse.
      if (msgId > this.maxMsgId && (seqNo < this.seqAtMax || (seqNo === this.seqAtMax && seqNo % 2 === 1))) return 32;
      if (msgId < this.maxMsgId && (seqNo > this.seqAtMax || (seqNo === this.seqAtMax && seqNo % 2 === 1))) return 33;
    }
    this.seen.add(msgId);
    this.seenOrder.push(msgId);
    if (this.seenOrder.length > MSG_ID_WINDOW) this.seen.delete(this.seenOrder.shift()!);
    if (msgId > this.maxMsgId) {
      this.maxMsgId = msgId;
      this.seqAtMax = seqNo;
    }
    return null;
  }
}
