/**
 * Where the update engine's input comes from when the client is GramJS, and how its requests
 * are sent.
 *
 * GramJS hands each received container to the callback its MTProtoSender was built with; its own
 * handler then splits containers into single updates for the event builders, losing the
 * container's seq and date, and never checks pts (its catchUp() is empty). So Courier wraps that
 * callback: it sees every container whole (and the connection-state changes) first, then lets
 * GramJS's handler run as before, which keeps GramJS's entity cache filled.
 *
 * Containers that arrive between connect() and attaching here are not seen by this hook; with a
 * stored state nothing is lost (the start's getDifference covers their pts); only pts-less
 * updates (a button pressed in that instant) could be missed, as on any client that was offline.
 */
import { Api, utils, type TelegramClient } from 'telegram';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import { channelDifferenceFromGramjs, differenceFromGramjs, serverStateFromGramjs, type GramjsPayload } from './fromGramjs.js';
import type { RequestFailure, UpdateApi } from './loopContract.js';
import { floodWaitSeconds } from '../rpc/floodWait.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';

export interface RawUpdateHandlers {
  /** A container from the socket, or the Updates result of one of Courier's own requests. */
  onUpdates(updates: Api.TypeUpdates): void;
  /** The connection came back after being lost: pushed updates may be missing. */
  onReconnected(): void;
}

type UpdateCallback = (client: TelegramClient, update: unknown) => void;
interface SenderWithCallback {
  _updateCallback: UpdateCallback;
}

const isUpdates = (value: unknown): value is Api.TypeUpdates =>
  value instanceof Api.Updates ||
  value instanceof Api.UpdatesCombined ||
  value instanceof Api.UpdateShort ||
  value instanceof Api.UpdateShortMessage ||
  value instanceof Api.UpdateShortChatMessage ||
  value instanceof Api.UpdateShortSentMessage ||
  value instanceof Api.UpdatesTooLong;

/** Wraps the connected client's update callback; returns the function that restores it. */
export function attachRawUpdates(client: TelegramClient, handlers: RawUpdateHandlers): () => void {
  const sender = (client as unknown as { _sender?: SenderWithCallback })._sender;
  if (!sender || typeof sender._updateCallback !== 'function') {
    throw new Error('GramJS has no connected sender to take updates from; call client.connect() first (or the pinned GramJS version changed its internals).');
  }
  const original = sender._updateCallback;
  let everDisconnected = false;
  sender._updateCallback = (c, update) => {
    if (update instanceof UpdateConnectionState) {
      if (update.state === UpdateConnectionState.disconnected || update.state === UpdateConnectionState.broken) everDisconnected = true;
      else if (update.state === UpdateConnectionState.connected && everDisconnected) handlers.onReconnected();
    } else if (isUpdates(update)) {
      handlers.onUpdates(update);
    }
    original(c, update);
  };
  return () => {
    sender._updateCallback = original;
  };
}

export interface GramjsUpdateApiOptions {
  /** The stored access hash of a channel (GramJS's cache is empty after a restart). */
  channelAccessHash(channelId: string): string | undefined;
}

/** updates.getState / getDifference / getChannelDifference through GramJS. */
export function gramjsUpdateApi(client: TelegramClient, options: GramjsUpdateApiOptions): UpdateApi<GramjsPayload> {
  return {
    getState: async () => serverStateFromGramjs(await client.invoke(new Api.updates.GetState())),
    getDifference: async (request) =>
      differenceFromGramjs(
        await client.invoke(
          new Api.updates.GetDifference({
            pts: request.pts,
            qts: request.qts,
            date: request.date,
            ...(request.ptsTotalLimit !== undefined ? { ptsTotalLimit: request.ptsTotalLimit } : {}),
            ...(request.ptsLimit !== undefined ? { ptsLimit: request.ptsLimit } : {}),
          }),
        ),
      ),
    getChannelDifference: async (request) => {
      const accessHash = options.channelAccessHash(request.channel);
      const channel =
        accessHash !== undefined
          ? new Api.InputChannel({ channelId: returnBigInt(request.channel), accessHash: returnBigInt(accessHash) })
          : // Not stored yet (met only in this run): GramJS's entity cache may know it.
            utils.getInputChannel(await client.getInputEntity(new Api.PeerChannel({ channelId: returnBigInt(request.channel) })));
      const diff = await client.invoke(
        new Api.updates.GetChannelDifference({ channel, filter: new Api.ChannelMessagesFilterEmpty(), pts: request.pts, limit: request.limit, force: true }),
      );
      return channelDifferenceFromGramjs(diff);
    },
  };
}

/** FLOOD_WAIT waits as told; losing a channel ends its difference; anything else is retried with backoff. */
export function classifyGramjsError(error: unknown): RequestFailure {
  const floodSeconds = floodWaitSeconds(error);
  if (floodSeconds !== null) return { kind: 'retry', afterMs: floodSeconds * 1000 };
  if (/^(CHANNEL_PRIVATE|CHANNEL_INVALID|CHANNEL_PUBLIC_GROUP_NA|USER_BANNED_IN_CHANNEL)$/.test(rpcErrorCode(error) ?? '')) {
    return { kind: 'forbidden' };
  }
  // A channel whose access hash Courier never learnt cannot be asked for, now or later.
  if (error instanceof Error && error.message.includes('Could not find the input entity')) return { kind: 'forbidden' };
  return { kind: 'retry' };
}
