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
import { loadUpdateState } from '../../storage/updateStateRepository.js';
import { UpdateEngine, BOT_CHANNEL_DIFFERENCE_LIMIT } from './engine.js';
import { batchFromGramjs, gramjsPlainUpdateKey, type GramjsPayload } from './fromGramjs.js';
import { attachRawUpdates, classifyGramjsError, gramjsUpdateApi } from './gramjsSource.js';
import { createInboxSink, type InboxStorePort } from './inboxSink.js';
import { UpdateLoop, type CatchupReport, type LoopClock } from './updateLoop.js';

/** pts_limit asked of getDifference. */
export const DIFFERENCE_SLICE_LIMIT = 1000;

export interface UpdatesSetup {
  /** Where the update state is read from at start. */
  db: Database;
  /** Where dispatched updates are stored, with the state covering them (src/inbox/store.ts). */
  inbox: InboxStorePort;
  peers: PeerCache;
  gapTimeoutMs: number;
  idleDifferenceMs: number;
  /** getDifference's pts_limit; DIFFERENCE_SLICE_LIMIT when absent. */
  differenceSliceLimit?: number;
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
  /** True when the stored state was missing and a fresh one was taken (first start, or a lost database). */
  readonly startedFresh: boolean;
  /** Feeds the Updates result of one of Courier's own requests. */
  feed(updates: Api.TypeUpdates): void;
  stop(): Promise<void>;
}

export function startUpdates(client: TelegramClient, setup: UpdatesSetup): RunningUpdates {
  const engine = new UpdateEngine<GramjsPayload>(loadUpdateState(setup.db), {
    gapTimeoutMs: setup.gapTimeoutMs,
    idleDifferenceMs: setup.idleDifferenceMs,
    channelDifferenceLimit: BOT_CHANNEL_DIFFERENCE_LIMIT,
    // Far behind after an outage, bigger slices mean fewer round trips (the server caps them).
    ptsLimit: setup.differenceSliceLimit ?? DIFFERENCE_SLICE_LIMIT,
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
  });
  const feed = (updates: Api.TypeUpdates) => loop.push(batchFromGramjs(updates));
  const detach = attachRawUpdates(client, { onUpdates: feed, onReconnected: () => loop.reconnected() });
  const startedFresh = engine.needsInitialState();
  const caughtUp = loop.start();
  // Observed by the caller; this keeps an early rejection (stop during start) from going unhandled.
  caughtUp.catch(() => undefined);
  return {
    caughtUp,
    ready: loop.ready,
    startedFresh,
    feed,
    stop: async () => {
      detach();
      await loop.stop();
    },
  };
}
