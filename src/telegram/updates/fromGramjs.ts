/**
 * Turns GramJS's update objects into the plain shapes the update engine reads. This is the only
 * file of the updates folder that knows GramJS, and it imports nothing but its types: payloads
 * are passed through untouched, so handlers receive the very GramJS objects that came in.
 *
 * Which sequence an update belongs to follows https://core.telegram.org/api/updates:
 * an update with `qts` counts on the secondary sequence (always one step); one with `pts` counts
 * on its channel's sequence when it names a channel (channelId, or a message in a PeerChannel),
 * otherwise on the account's common sequence (`pts_count` missing, as in updateReadChannelInbox,
 * counts 0). Anything else has no order to keep.
 */
import type { Api } from 'telegram';
import type {
  ChannelDifferenceResponse,
  DifferenceResponse,
  IncomingBatch,
  IncomingUpdate,
  ServerState,
} from './types.js';

/** What the engine hands back to dispatch when fed through this adapter. */
export type GramjsPayload =
  | Api.TypeUpdate
  | Api.UpdateShortMessage
  | Api.UpdateShortChatMessage
  | Api.UpdateShortSentMessage
  /** new_messages of a difference come as messages, not updates (wrap them if needed). */
  | Api.TypeMessage
  | Api.TypeEncryptedMessage;

function channelOf(update: Api.TypeUpdate): string | null {
  if ('channelId' in update && update.channelId !== undefined) return update.channelId.toString();
  if ('message' in update && typeof update.message === 'object' && update.message !== null) {
    const peer = 'peerId' in update.message ? update.message.peerId : undefined;
    if (peer && peer.className === 'PeerChannel') return peer.channelId.toString();
  }
  return null;
}

/** One update as the engine sees it. */
export function updateFromGramjs(update: Api.TypeUpdate): IncomingUpdate<GramjsPayload> {
  if (update.className === 'UpdateChannelTooLong') {
    return {
      kind: 'channelTooLong',
      channel: update.channelId.toString(),
      ...(update.pts !== undefined ? { pts: update.pts } : {}),
      update,
    };
  }
  if ('qts' in update && typeof update.qts === 'number') {
    return { kind: 'pts', entry: 'secondary', pts: update.qts, ptsCount: 1, update };
  }
  if ('pts' in update && typeof update.pts === 'number') {
    const ptsCount = 'ptsCount' in update && typeof update.ptsCount === 'number' ? update.ptsCount : 0;
    const channel = channelOf(update);
    // A channel update whose channel cannot be told (e.g. around messageEmpty) cannot be
    // ordered; passing it on beats holding it forever.
    if (channel === null && update.className.includes('Channel')) return { kind: 'plain', update };
    return { kind: 'pts', entry: channel === null ? 'common' : { channel }, pts: update.pts, ptsCount, update };
  }
  return { kind: 'plain', update };
}

/**
 * The identity of a pts-less update that must not be handled twice (for the engine's
 * `plainUpdateKey` option): button presses and inline queries, by their query id.
 */
export function gramjsPlainUpdateKey(payload: GramjsPayload): string | null {
  switch (payload.className) {
    case 'UpdateBotCallbackQuery':
      return `cb:${payload.queryId.toString()}`;
    case 'UpdateInlineBotCallbackQuery':
      return `icb:${payload.queryId.toString()}`;
    case 'UpdateBotInlineQuery':
      return `iq:${payload.queryId.toString()}`;
    default:
      return null;
  }
}

/** One container from the socket (or the Updates result of an RPC call). */
export function batchFromGramjs(updates: Api.TypeUpdates): IncomingBatch<GramjsPayload> {
  switch (updates.className) {
    case 'UpdatesTooLong':
      return { kind: 'tooLong' };
    case 'UpdateShortMessage':
    case 'UpdateShortChatMessage':
    case 'UpdateShortSentMessage':
      // Short forms have no seq: "there is no need to check seq or change a local state".
      return single(
        { kind: 'pts', entry: 'common', pts: updates.pts, ptsCount: updates.ptsCount, update: updates },
        updates.date,
      );
    case 'UpdateShort':
      return single(updateFromGramjs(updates.update), updates.date);
    case 'Updates':
      return {
        kind: 'updates',
        updates: updates.updates.map(updateFromGramjs),
        seqStart: updates.seq,
        seq: updates.seq,
        date: updates.date,
        users: updates.users,
        chats: updates.chats,
      };
    case 'UpdatesCombined':
      return {
        kind: 'updates',
        updates: updates.updates.map(updateFromGramjs),
        seqStart: updates.seqStart,
        seq: updates.seq,
        date: updates.date,
        users: updates.users,
        chats: updates.chats,
      };
  }
}

function single(update: IncomingUpdate<GramjsPayload>, date: number): IncomingBatch<GramjsPayload> {
  return { kind: 'updates', updates: [update], seqStart: 0, seq: 0, date, users: [], chats: [] };
}

function stateOf(state: Api.updates.State): ServerState {
  return { pts: state.pts, qts: state.qts, date: state.date, seq: state.seq };
}

/** The answer of updates.getState, for UpdateEngine.setState. */
export const serverStateFromGramjs = stateOf;

/** The answer of updates.getDifference. */
export function differenceFromGramjs(diff: Api.updates.TypeDifference): DifferenceResponse<GramjsPayload> {
  switch (diff.className) {
    case 'updates.DifferenceEmpty':
      return { kind: 'empty', date: diff.date, seq: diff.seq };
    case 'updates.DifferenceTooLong':
      return { kind: 'tooLong', pts: diff.pts };
    case 'updates.Difference':
    case 'updates.DifferenceSlice': {
      const page = {
        newMessages: diff.newMessages,
        newEncryptedMessages: diff.newEncryptedMessages,
        otherUpdates: diff.otherUpdates.map(updateFromGramjs),
        users: diff.users,
        chats: diff.chats,
      };
      return diff.className === 'updates.Difference'
        ? { kind: 'difference', state: stateOf(diff.state), ...page }
        : { kind: 'slice', intermediateState: stateOf(diff.intermediateState), ...page };
    }
  }
}

/** The answer of updates.getChannelDifference. */
export function channelDifferenceFromGramjs(
  diff: Api.updates.TypeChannelDifference,
): ChannelDifferenceResponse<GramjsPayload> {
  const timeout = diff.timeout !== undefined ? { timeout: diff.timeout } : {};
  switch (diff.className) {
    case 'updates.ChannelDifferenceEmpty':
      // Nothing new means nothing left to page through, whatever the flag says: asking again
      // would only loop.
      return { kind: 'empty', final: true, pts: diff.pts, ...timeout };
    case 'updates.ChannelDifference':
      return {
        kind: 'difference',
        final: diff.final ?? false,
        pts: diff.pts,
        ...timeout,
        newMessages: diff.newMessages,
        otherUpdates: diff.otherUpdates.map(updateFromGramjs),
        users: diff.users,
        chats: diff.chats,
      };
    case 'updates.ChannelDifferenceTooLong':
      return {
        kind: 'tooLong',
        final: diff.final ?? false,
        ...timeout,
        dialogPts: diff.dialog.className === 'Dialog' ? (diff.dialog.pts ?? 0) : 0,
        messages: diff.messages,
        users: diff.users,
        chats: diff.chats,
      };
  }
}
