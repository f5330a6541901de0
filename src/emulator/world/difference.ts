/**
 * updates.getState, updates.getDifference and updates.getChannelDifference
 * (core.telegram.org/api/updates, "recovering gaps"; method pages of the same names).
 *
 * A difference replays the logged events after the client's pts/qts, oldest first:
 * - nothing new: updates.differenceEmpty (date, seq);
 * - more than `pageSize` events: updates.differenceSlice whose intermediate_state is where the
 *   client continues (it calls getDifference again from there until it gets updates.difference);
 * - otherwise updates.difference with the account's current state;
 * - the client is more than `tooLongAfter` pts behind (or pts_total_limit is exceeded, or a fault
 *   forces it): updates.differenceTooLong with the current pts; the client must refetch what it
 *   needs and carry on from there.
 * new_messages holds the Message of every updateNewMessage; every other event goes to other_updates.
 * Supergroups have their own pts and are fetched one by one with getChannelDifference.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import { long } from './db.js';
import { dialogFor } from './dialogs.js';
import type { Chats } from './chats.js';
import type { WorldFaults } from './faults.js';
import { forViewer, type Messaging } from './messages.js';
import { channelBox, type MessageStore } from './messageStore.js';
import type { LoggedUpdate, UpdateLog } from './updates.js';

export interface DifferenceLimits {
  /** At most this many events per updates.difference(Slice). SIMPLIFICATION: Telegram's real page is larger. */
  pageSize: number;
  /** A client further behind than this many pts gets updates.differenceTooLong. */
  tooLongAfter: number;
  /** A member further behind than this many channel pts gets updates.channelDifferenceTooLong. */
  channelTooLongAfter: number;
  /** Seconds the client should wait before polling a channel again (the `timeout` field). */
  channelTimeout: number;
}

/** The largest slice a client may ask for with pts_limit. */
export const MAX_PAGE_SIZE = 1000;

export const DEFAULT_DIFFERENCE_LIMITS: DifferenceLimits = { pageSize: 100, tooLongAfter: 10_000, channelTooLongAfter: 10_000, channelTimeout: 30 };

export interface DifferenceDeps {
  log: UpdateLog;
  messaging: Messaging;
  store: MessageStore;
  chats: Chats;
  faults: WorldFaults;
  isBot: (userId: number) => boolean;
  nowSec: () => number;
  limits: DifferenceLimits;
}

/** getChannelDifference's limit: "max 100000; ordinary (non-bot) users are supposed to pass 10-100". */
const CHANNEL_LIMIT_BOT = 100_000;
const CHANNEL_LIMIT_USER = 100;

export class Differences {
  constructor(private readonly d: DifferenceDeps) {}

  state(userId: number): Api.updates.State {
    const s = this.d.log.state(userId);
    return new Api.updates.State({ pts: s.pts, qts: s.qts, date: this.d.nowSec(), seq: s.seq, unreadCount: 0 });
  }

  difference(userId: number, req: { pts: number; qts: number; date: number; ptsTotalLimit?: number; ptsLimit?: number }): Api.updates.TypeDifference {
    const now = this.d.log.state(userId);
    const { tooLongAfter } = this.d.limits;
    // pts_limit asks for larger (or smaller) slices. SIMPLIFICATION: Telegram documents neither
    // its default slice nor its cap; the emulator uses `pageSize` and caps requests at MAX_PAGE_SIZE.
    const pageSize = req.ptsLimit !== undefined && req.ptsLimit > 0 ? Math.min(req.ptsLimit, MAX_PAGE_SIZE) : this.d.limits.pageSize;
    // SIMPLIFICATION: the `date` argument is not used to bound the difference; pts and qts are.
    const forced = this.d.faults.takeDifferenceTooLong(userId, req.pts, now.pts);
    const behind = now.pts - req.pts;
    if (forced || behind > tooLongAfter || (req.ptsTotalLimit !== undefined && req.pts + req.ptsTotalLimit < now.pts)) {
      return new Api.updates.DifferenceTooLong({ pts: now.pts });
    }
    const ptsEvents = this.d.log.ptsAfter(userId, req.pts, pageSize + 1);
    const qtsEvents = this.d.log.qtsAfter(userId, req.qts, pageSize + 1);
    if (ptsEvents.length === 0 && qtsEvents.length === 0) return new Api.updates.DifferenceEmpty({ date: this.d.nowSec(), seq: now.seq });

    const ptsPage = ptsEvents.slice(0, pageSize);
    const qtsPage = qtsEvents.slice(0, pageSize - ptsPage.length);
    const ptsDone = ptsEvents.length === ptsPage.length;
    const qtsDone = qtsEvents.length === qtsPage.length;
    const body = this.split(userId, [...ptsPage, ...qtsPage]);
    if (ptsDone && qtsDone) {
      return new Api.updates.Difference({ ...body, newEncryptedMessages: [], state: this.state(userId) });
    }
    const lastPts = ptsDone ? now.pts : ptsPage[ptsPage.length - 1]!.seqNo;
    const lastQts = qtsDone ? now.qts : (qtsPage[qtsPage.length - 1]?.seqNo ?? req.qts);
    const lastDate = Math.max(...ptsPage.map((e) => e.date), ...qtsPage.map((e) => e.date));
    return new Api.updates.DifferenceSlice({
      ...body,
      newEncryptedMessages: [],
      intermediateState: new Api.updates.State({ pts: lastPts, qts: lastQts, date: lastDate, seq: now.seq, unreadCount: 0 }),
    });
  }

  /** new_messages / other_updates and the users and chats they mention, as `viewerId` sees them. */
  private split(viewerId: number, events: LoggedUpdate[]): { newMessages: Api.TypeMessage[]; otherUpdates: Api.TypeUpdate[]; users: Api.TypeUser[]; chats: Api.TypeChat[] } {
    const newMessages: Api.TypeMessage[] = [];
    const otherUpdates: Api.TypeUpdate[] = [];
    const userIds = new Set<number>([viewerId]);
    const chatIds = new Set<number>();
    const mention = (m: Api.TypeMessage): void => {
      if (!(m instanceof Api.Message)) return;
      for (const p of [m.peerId, m.fromId]) {
        if (p instanceof Api.PeerUser) userIds.add(Number(p.userId.toString()));
        else if (p instanceof Api.PeerChat) chatIds.add(Number(p.chatId.toString()));
        else if (p instanceof Api.PeerChannel) chatIds.add(Number(p.channelId.toString()));
      }
    };
    for (const e of events) {
      const u = e.update;
      if (u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) {
        const m = u.message;
        if (u instanceof Api.UpdateNewChannelMessage && m instanceof Api.Message) m.out = sender(m) === viewerId;
        newMessages.push(m);
        mention(m);
      } else {
        if (u instanceof Api.UpdateEditMessage || u instanceof Api.UpdateEditChannelMessage) mention(u.message);
        if (u instanceof Api.UpdateEditChannelMessage && u.message instanceof Api.Message) u.message.out = sender(u.message) === viewerId;
        otherUpdates.push(u);
      }
    }
    return { newMessages, otherUpdates, ...this.d.messaging.entities(viewerId, userIds, chatIds) };
  }

  channelDifference(userId: number, channelId: number, req: { pts: number; limit: number; force?: boolean }): Api.updates.TypeChannelDifference {
    this.d.chats.require('channel', channelId);
    if (!this.d.chats.isMember(channelId, userId)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    const { channelTooLongAfter, channelTimeout } = this.d.limits;
    const channelPts = this.d.log.channelPts(channelId);
    const limit = Math.max(1, Math.min(req.limit, this.d.isBot(userId) ? CHANNEL_LIMIT_BOT : CHANNEL_LIMIT_USER));
    if (channelPts - req.pts > channelTooLongAfter) return this.channelTooLong(userId, channelId, channelPts, limit);
    if (req.pts >= channelPts) return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: channelPts, timeout: channelTimeout });
    const events = this.d.log.channelAfter(channelId, req.pts, limit + 1);
    const page = events.slice(0, limit);
    const final = events.length === page.length;
    const body = this.split(userId, page);
    return new Api.updates.ChannelDifference({
      final,
      pts: final ? channelPts : page[page.length - 1]!.seqNo,
      timeout: channelTimeout,
      newMessages: body.newMessages,
      otherUpdates: body.otherUpdates,
      chats: body.chats,
      users: body.users,
    });
  }

  /** channelDifferenceTooLong: the dialog and its latest messages; the client resets its channel pts to dialog.pts. */
  private channelTooLong(userId: number, channelId: number, channelPts: number, limit: number): Api.updates.ChannelDifferenceTooLong {
    const latest = this.d.store.latest(channelBox(channelId), limit);
    const top = latest[0]?.id ?? 0;
    const dialog = dialogFor({ channel: channelId }, top, channelPts);
    const ents = this.d.messaging.entitiesOf(userId, latest);
    return new Api.updates.ChannelDifferenceTooLong({
      final: true,
      timeout: this.d.limits.channelTimeout,
      dialog,
      messages: latest.map((s) => forViewer(s, userId)),
      chats: ents.chats,
      users: ents.users,
    });
  }
}

function sender(m: Api.Message): number | null {
  return m.fromId instanceof Api.PeerUser ? Number(m.fromId.userId.toString()) : null;
}
