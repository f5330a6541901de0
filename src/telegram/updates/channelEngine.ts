/**
 * The channels' half of the update engine: each channel (or supergroup) Courier is in has its own
 * pts sequence, caught up on with updates.getChannelDifference rather than the account's
 * getDifference (https://core.telegram.org/api/updates, "Recovering gaps", and
 * https://core.telegram.org/method/updates.getChannelDifference). Like engine.ts it is pure: the
 * functions take the engine's GapEntries and `now`, name the request to send, and apply its answer.
 *
 * A channel starts being followed when Courier learns its pts (from dialogs, or its first update),
 * enters "getting difference" like any entry (gap timeout, 15 quiet minutes, restart,
 * updateChannelTooLong), and leaves it when a page says `final`, taking the server's `timeout` as
 * the time to wait before asking again. channelDifferenceTooLong skips to the dialog's pts: what
 * lay in between is reported as skippedPts, and the latest messages are handed back as they are.
 * A channel Courier can no longer read (CHANNEL_PRIVATE) is forgotten with what was held for it.
 */
import { entryId, fetched, type GapEntries } from './gapEntries.js';
import { UpdateEngineMisuseError } from './engineOptions.js';
import type { ChannelDifferenceResponse, DifferenceRequest, DifferenceResult, Dispatch } from './types.js';

/** The answer to a channel's request, short of the state the engine adds. */
export type ChannelDifferenceOutcome<U> = Omit<DifferenceResult<U>, 'stateAfter'>;

/** Starts following a channel learnt elsewhere (e.g. from dialogs); a known one is kept. */
export function followChannel<U>(entries: GapEntries<U>, channel: string, pts: number, now: number): void {
  if (!entries.get({ channel })) entries.start({ channel }, pts, now);
}

/** The getChannelDifference to send for the first channel that is getting its difference, or null. */
export function nextChannelRequest<U>(entries: GapEntries<U>, limit: number): Extract<DifferenceRequest, { kind: 'channel' }> | null {
  for (const entry of entries.values()) {
    if (entry.gettingDifference && typeof entry.key !== 'string') {
      return { kind: 'channel', channel: entry.key.channel, pts: entry.pts, limit };
    }
  }
  return null;
}

/** Applies one page of updates.getChannelDifference for `channel`. */
export function applyChannelDifference<U>(entries: GapEntries<U>, channel: string, resp: ChannelDifferenceResponse<U>, now: number): ChannelDifferenceOutcome<U> {
  const entry = entries.get({ channel });
  if (!entry || !entry.gettingDifference) {
    throw new UpdateEngineMisuseError(
      `applyChannelDifference was called for channel ${channel}, whose difference was not being ` +
        'fetched; only feed answers to requests returned by nextDifferenceRequest.',
    );
  }
  const out: Dispatch<U>[] = [];
  let skippedPts: number | undefined;
  let recentMessages: readonly U[] | undefined;
  switch (resp.kind) {
    case 'empty':
      entry.pts = Math.max(entry.pts, resp.pts);
      break;
    case 'tooLong':
      skippedPts = Math.max(0, resp.dialogPts - entry.pts);
      entry.pts = Math.max(entry.pts, resp.dialogPts);
      recentMessages = resp.messages;
      break;
    case 'difference': {
      const page = { users: resp.users, chats: resp.chats };
      for (const message of resp.newMessages) out.push(fetched(message, entry.key, page));
      entries.feedFetched(resp.otherUpdates, new Map([[entryId(entry.key), resp.pts]]), page, now, out);
      entry.pts = resp.pts;
      break;
    }
  }
  if (resp.final) {
    // "timeout": the server's hint of when this channel is worth asking again.
    entries.endDifference([entry], now + (resp.timeout !== undefined ? resp.timeout * 1000 : entries.idleDifferenceMs), now, out);
  }
  return {
    dispatch: out,
    done: resp.final,
    ...(skippedPts !== undefined ? { skippedPts } : {}),
    ...(recentMessages !== undefined ? { recentMessages } : {}),
  };
}

/**
 * The channel's difference could not be fetched. 'temporary' (e.g. a server hiccup) keeps the
 * channel and lets its deadlines bring it back; 'forbidden' (CHANNEL_PRIVATE: Courier was
 * removed) forgets the channel and what was held for it.
 */
export function endChannelDifference<U>(entries: GapEntries<U>, channel: string, reason: 'temporary' | 'forbidden', now: number): Dispatch<U>[] {
  const entry = entries.get({ channel });
  const out: Dispatch<U>[] = [];
  if (entry && reason === 'forbidden') entries.delete({ channel });
  if (entry && reason === 'temporary') entries.endDifference([entry], now + entries.idleDifferenceMs, now, out);
  return out;
}
