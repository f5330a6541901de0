/**
 * Plain-data shapes the update engine consumes and returns. Nothing here knows GramJS: an adapter
 * (fromGramjs.ts) turns GramJS's Api objects into these, so the engine stays a pure state machine
 * that tests can drive with hand-made numbers.
 *
 * Payloads (`update`, messages, users, chats) are opaque to the engine: it only reads the numbers
 * beside them (pts, pts_count, seq, date) and hands the payloads back untouched, in order.
 * See https://core.telegram.org/api/updates for what the numbers mean.
 */
import { z } from 'zod';

/**
 * Which ordered sequence an update belongs to ("update box" in the spec):
 * - 'common': the account's pts (private chats, basic groups);
 * - 'secondary': the account's qts (bot-only updates such as updateBotStopped, secret chats);
 * - a channel or supergroup, each with its own pts. Channel ids are decimal strings so that
 *   64-bit ids survive JSON.
 */
export type EntryKey = 'common' | 'secondary' | { readonly channel: string };

/** An update that carries a place in an ordered sequence (pts or qts). */
export interface PtsUpdate<U = unknown> {
  readonly kind: 'pts';
  readonly entry: EntryKey;
  /** The entry's pts (or qts) after this update is applied. */
  readonly pts: number;
  /** How many events this update accounts for; qts updates always count 1. */
  readonly ptsCount: number;
  readonly update: U;
}

/** An update with no order to check (user status, callback queries, typing...): passed straight on. */
export interface PlainUpdate<U = unknown> {
  readonly kind: 'plain';
  readonly update: U;
}

/**
 * updateChannelTooLong: the server will not send this channel's updates live any more; the
 * client must fetch them with updates.getChannelDifference. `pts`, when present, is the
 * channel's current pts (used only when the engine has never seen the channel before).
 */
export interface ChannelTooLong<U = unknown> {
  readonly kind: 'channelTooLong';
  readonly channel: string;
  readonly pts?: number;
  readonly update?: U;
}

export type IncomingUpdate<U = unknown> = PtsUpdate<U> | PlainUpdate<U> | ChannelTooLong<U>;

/**
 * One container received from the socket: updates / updatesCombined (with seq), or one of the
 * short forms turned into a one-update batch with seqStart = seq = 0 ("no seq check").
 * For plain `updates`, seqStart equals seq.
 */
export interface UpdatesBatch<U = unknown> {
  readonly kind: 'updates';
  readonly updates: readonly IncomingUpdate<U>[];
  readonly seqStart: number;
  readonly seq: number;
  /** 0 when the container carries no date (the local date is kept). */
  readonly date: number;
  readonly users: readonly unknown[];
  readonly chats: readonly unknown[];
}

/** updatesTooLong: too many updates to send live; the client must call updates.getDifference. */
export interface UpdatesTooLong {
  readonly kind: 'tooLong';
}

export type IncomingBatch<U = unknown> = UpdatesBatch<U> | UpdatesTooLong;

/** The persisted update state. Serialisable as JSON; the caller stores it after every step. */
export interface EngineState {
  readonly pts: number;
  readonly qts: number;
  readonly date: number;
  readonly seq: number;
  /** Channel id (decimal string) -> that channel's pts. */
  readonly channels: Readonly<Record<string, number>>;
}

/** updates.State as answered by updates.getState (and inside a difference). */
export interface ServerState {
  readonly pts: number;
  readonly qts: number;
  readonly date: number;
  readonly seq: number;
}

interface DifferencePage<U> {
  /** new_messages, each already wrapped by the adapter as a payload to dispatch. */
  readonly newMessages: readonly U[];
  /** new_encrypted_messages (qts), wrapped likewise; rare for bots. */
  readonly newEncryptedMessages?: readonly U[];
  readonly otherUpdates: readonly IncomingUpdate<U>[];
  readonly users: readonly unknown[];
  readonly chats: readonly unknown[];
}

/** updates.Difference and its variants, as plain data. */
export type DifferenceResponse<U = unknown> =
  | { readonly kind: 'empty'; readonly date: number; readonly seq: number }
  | ({ readonly kind: 'difference'; readonly state: ServerState } & DifferencePage<U>)
  | ({ readonly kind: 'slice'; readonly intermediateState: ServerState } & DifferencePage<U>)
  | { readonly kind: 'tooLong'; readonly pts: number };

/** updates.ChannelDifference and its variants, as plain data. `timeout` is in seconds. */
export type ChannelDifferenceResponse<U = unknown> =
  | { readonly kind: 'empty'; readonly final: boolean; readonly pts: number; readonly timeout?: number }
  | ({
      readonly kind: 'difference';
      readonly final: boolean;
      readonly pts: number;
      readonly timeout?: number;
    } & Omit<DifferencePage<U>, 'newEncryptedMessages'>)
  | {
      readonly kind: 'tooLong';
      readonly final: boolean;
      readonly timeout?: number;
      /** The pts of the channel's dialog: where the engine continues from. */
      readonly dialogPts: number;
      /** The channel's latest messages, returned as-is for the caller to judge. */
      readonly messages: readonly U[];
      readonly users: readonly unknown[];
      readonly chats: readonly unknown[];
    };

/** What the caller should send next; the engine sends nothing itself. */
export type DifferenceRequest =
  | {
      readonly kind: 'common';
      readonly pts: number;
      readonly qts: number;
      readonly date: number;
      readonly ptsTotalLimit?: number;
      readonly ptsLimit?: number;
    }
  | { readonly kind: 'channel'; readonly channel: string; readonly pts: number; readonly limit: number };

/** One update the caller should handle now, in the order given. */
export interface Dispatch<U = unknown> {
  readonly update: U;
  /** 'live' came over the socket; 'difference' was fetched (it arrived late: tell the user). */
  readonly source: 'live' | 'difference';
  /** The sequence it belongs to, or null for a plain update. */
  readonly entry: EntryKey | null;
  /** Its pts/qts when it carried one (messages inside a difference do not). */
  readonly pts: number | null;
  /** users/chats of the container or difference page it came with (for resolving peers). */
  readonly users: readonly unknown[];
  readonly chats: readonly unknown[];
}

export interface ProcessResult<U = unknown> {
  readonly dispatch: Dispatch<U>[];
  /** True when this call found a gap (held an update or started getting a difference). */
  readonly gap: boolean;
  /** The state covering exactly what was dispatched so far; persist it after handling `dispatch`. */
  readonly stateAfter: EngineState | null;
}

export interface DifferenceResult<U = unknown> {
  readonly dispatch: Dispatch<U>[];
  readonly stateAfter: EngineState | null;
  /** True when this difference is finished; false means: ask nextDifferenceRequest again. */
  readonly done: boolean;
  /**
   * Set when the server said "too long": how many pts were skipped without being fetched. The
   * updates in that range are lost for good; the caller should tell the admins.
   */
  readonly skippedPts?: number;
  /** channelDifferenceTooLong only: the channel's latest messages (may repeat handled ones). */
  readonly recentMessages?: readonly U[];
}

/** The persisted state as read back from storage: checked here, because a corrupt row must not
 * silently reset Courier to "nothing missed". */
export const engineStateSchema = z.object({
  pts: z.number().int().nonnegative(),
  qts: z.number().int().nonnegative(),
  date: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  channels: z.record(z.string().regex(/^[0-9]+$/), z.number().int().nonnegative()),
});
