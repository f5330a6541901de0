/**
 * Puts the update machinery together for one connected GramJS client: the raw-update hook, the
 * engine (starting from the stored state), the loop that fetches differences, and the inbox sink.
 * The sink stores through the inbox's port (setup.inbox); what happens to stored updates
 * afterwards (the per-chat queues and the bot) is the inbox's and the caller's.
 */
import type { Database } from '../../storage/index.js';
import type { Api, TelegramClient } from 'telegram';
import type { MediaRef } from '../../domain/media.js';
import type { PeerCache } from '../../storage/peerCache.js';
import { claimUpdateState, setAsideUpdateState, type UpdateStateOwner } from '../../storage/updateStateRepository.js';
import { UpdateEngine, BOT_CHANNEL_DIFFERENCE_LIMIT } from './engine.js';
import { batchFromGramjs, gramjsPlainUpdateKey, type GramjsPayload } from './fromGramjs.js';
import { attachRawUpdates, classifyGramjsError, gramjsUpdateApi } from './gramjsSource.js';
import { createInboxSink, type InboxStorePort } from './inboxSink.js';
import { UpdateLoop } from './updateLoop.js';
import { type CatchupReport, type LoopClock } from './loopContract.js';

/**
 * pts_limit asked of getDifference against the sandbox, where its effect is measured (see
 * docs/emulator.md). Against Telegram none is sent unless configured: the method's page
 * documents only pts_total_limit.
 */
export const SANDBOX_DIFFERENCE_SLICE_LIMIT = 1000;

/** Why the update state was started afresh. */
export type FreshStart =
  | { reason: 'no state' }
  | { reason: 'other owner'; previous: UpdateStateOwner | null }
  | { reason: 'ahead of server'; stored: { pts: number; qts: number }; server: { pts: number; qts: number } };

export interface UpdatesSetup {
  /** Where the update state is read from at start. */
  db: Database;
  /** Where dispatched updates are stored, with the state covering them (src/inbox/store.ts). */
  inbox: InboxStorePort;
  peers: PeerCache;
  gapTimeoutMs: number;
  idleDifferenceMs: number;
  /** Whose state it is: the logged-in account on this server (see updateStateRepository.ts). */
  owner: UpdateStateOwner;
  /** getDifference's pts_limit; none is sent when absent or null. */
  differenceSliceLimit?: number | null;
  /** updates.firstStart.backlogHours: a start without a state also handles this many past hours (0: none). */
  backlogHours?: number;
  clock?: LoopClock;
  mediaOf?: (message: Api.Message) => MediaRef | null;
  onCatchup(report: CatchupReport): void;
  onError(error: unknown, what: string): void;
}

export interface RunningUpdates {
  /** Resolves once everything missed while Courier was down is stored (null: nothing was missed). */
  readonly caughtUp: Promise<CatchupReport | null>;
  /** Resolves once an update state is stored: from then on a stop or crash loses nothing. */
  readonly ready: Promise<void>;
  /** Why a fresh state was taken instead of a stored one, or null; final once `ready` resolved. */
  fresh(): FreshStart | null;
  /** Feeds the Updates result of one of Courier's own requests. */
  feed(updates: Api.TypeUpdates): void;
  stop(): Promise<void>;
}

export function startUpdates(client: TelegramClient, setup: UpdatesSetup): RunningUpdates {
  const claim = claimUpdateState(setup.db, setup.owner);
  let fresh: FreshStart | null = claim.setAside ? { reason: 'other owner', previous: claim.setAside.owner } : claim.state ? null : { reason: 'no state' };
  const engine = new UpdateEngine<GramjsPayload>(claim.state, {
    gapTimeoutMs: setup.gapTimeoutMs,
    idleDifferenceMs: setup.idleDifferenceMs,
    channelDifferenceLimit: BOT_CHANNEL_DIFFERENCE_LIMIT,
    ...(typeof setup.differenceSliceLimit === 'number' ? { ptsLimit: setup.differenceSliceLimit } : {}),
    plainUpdateKey: gramjsPlainUpdateKey,
  });
  const sink = createInboxSink({
    inbox: setup.inbox,
    peers: setup.peers,
    ...(setup.clock ? { now: () => setup.clock!.now() } : {}),
    ...(setup.mediaOf ? { mediaOf: setup.mediaOf } : {}),
  });
  const api = gramjsUpdateApi(client, { channelAccessHash: (id) => setup.peers.accessHash('channel', id) });
  const loop = new UpdateLoop(engine, api, sink, {
    ...(setup.clock ? { clock: setup.clock } : {}),
    classifyError: classifyGramjsError,
    onCatchup: setup.onCatchup,
    onError: setup.onError,
    verifyStoredState: true,
    onImpossibleState: (stored, server) => {
      setAsideUpdateState(setup.db, 'ahead of server', setup.clock?.now() ?? Date.now());
      fresh = { reason: 'ahead of server', stored: { pts: stored.pts, qts: stored.qts }, server: { pts: server.pts, qts: server.qts } };
    },
    ...(setup.backlogHours ? { firstStartBacklog: { seconds: Math.round(setup.backlogHours * 3600), dateOf: gramjsPayloadDate } } : {}),
  });
  const feed = (updates: Api.TypeUpdates) => loop.push(batchFromGramjs(updates));
  const detach = attachRawUpdates(client, { onUpdates: feed, onReconnected: () => loop.reconnected() });
  const caughtUp = loop.start();
  // Observed by the caller; this keeps an early rejection (stop during start) from going unhandled.
  caughtUp.catch(() => undefined);
  return {
    caughtUp,
    ready: loop.ready,
    fresh: () => fresh,
    feed,
    stop: async () => {
      detach();
      await loop.stop();
    },
  };
}

/** The send date (seconds) of a dispatched payload, for the first start's backlog; null when it has none. */
export function gramjsPayloadDate(payload: GramjsPayload): number | null {
  const own = (payload as { date?: unknown }).date;
  if (typeof own === 'number') return own;
  const message = (payload as { message?: unknown }).message;
  if (typeof message === 'object' && message !== null) {
    const date = (message as { date?: unknown }).date;
    if (typeof date === 'number') return date;
  }
  return null;
}
