/**
 * Courier's update engine: decides, for every update Telegram sends, whether to dispatch it now,
 * hold it, drop it as already handled, or fetch what is missing first. It is a pure state machine
 * in the shape of grammers' message_box: it opens no socket, stores nothing and reads no clock
 * (every time-dependent call takes `now` in ms). The caller sends the requests it asks for,
 * feeds back the answers, and persists `stateAfter` after handling each `dispatch`.
 *
 * The rules come from https://core.telegram.org/api/updates. The engine keeps one entry per
 * ordered sequence: the account's pts ('common'), its qts ('secondary') and each channel's pts.
 * An entry is in one of three states:
 * - in order: each update whose pts is exactly local pts + pts_count is dispatched and moves the
 *   local pts; one whose pts is not beyond it was seen before and is dropped;
 * - possible gap: an update arrived from too far ahead. It is held, and the entry waits
 *   `gapTimeoutMs` (the spec suggests 0.5 s) for the missing ones, which often just arrive late;
 *   when they do, the held updates are released in order and the entry is back in order;
 * - getting difference: the wait ran out, the container's seq skipped ahead, the server said
 *   updatesTooLong / updateChannelTooLong, the entry was quiet for `idleDifferenceMs` (the
 *   15-minute rule), or the engine was just loaded from storage (whatever happened while Courier
 *   was down must be fetched). `nextDifferenceRequest` then names the updates.getDifference or
 *   updates.getChannelDifference call to make; its answer goes to `applyDifference` /
 *   `applyChannelDifference`, page after page, until one says it is final. Live updates for that
 *   entry are postponed meanwhile, as the spec asks, and checked again once the difference is
 *   in: those the difference already covered are dropped, later ones are applied.
 * The common and secondary entries are fetched together by one getDifference, so they enter and
 * leave "getting difference" together. Updates without pts (callback queries, statuses) ride in
 * containers ordered by seq: a skipped seq means getting the difference too, a container seen
 * before is not handled again, and one the difference moved past unseen still has its plain
 * updates dispatched (a difference is not known to list every such update); `plainUpdateKey`
 * lets the caller name those that must never be handled twice.
 *
 * Invariant: the state returned (`stateAfter`, `getState`) never covers an update that was not
 * dispatched, so persisting it after handling the dispatched updates can lose nothing and a
 * restart re-fetches exactly what was not handled. The one deliberate exception is the server's
 * "difference too long", reported as `skippedPts` so that the caller can tell the admins.
 *
 * src/telegram/updates/ around it: this file holds the account's own sequences (pts, qts, seq,
 * date), getDifference and the engine's public face; gapEntries.ts keeps the entries and applies
 * one update to its entry; channelEngine.ts asks for and applies channels' differences; types.ts
 * and engineOptions.ts are its plain data and knobs. All of these stay pure. updateLoop.ts does
 * the I/O the engine asks for, behind an injected clock; gramjsSource.ts and fromGramjs.ts adapt
 * GramJS's containers and answers; incoming.ts and inboxSink.ts turn dispatched updates into
 * inbox rows; service.ts wires them together for one client.
 */
import { fetched, GapEntries, orderWithinEntries } from './gapEntries.js';
import { applyChannelDifference, endChannelDifference, followChannel, nextChannelRequest } from './channelEngine.js';
import type {
  ChannelDifferenceResponse,
  DifferenceRequest,
  DifferenceResponse,
  DifferenceResult,
  Dispatch,
  EngineState,
  IncomingBatch,
  ProcessResult,
  ServerState,
  UpdatesBatch,
} from './types.js';
import { USER_CHANNEL_DIFFERENCE_LIMIT, UpdateEngineMisuseError, remember, type UpdateEngineOptions } from './engineOptions.js';

export {
  BOT_CHANNEL_DIFFERENCE_LIMIT,
  USER_CHANNEL_DIFFERENCE_LIMIT,
  UpdateEngineMisuseError,
  type UpdateEngineOptions,
} from './engineOptions.js';

const COMMON = 'common';
const SECONDARY = 'secondary';

export class UpdateEngine<U = unknown> {
  private readonly idleDifferenceMs: number;
  private readonly channelDifferenceLimit: number;
  private readonly ptsTotalLimit: number | undefined;
  private readonly ptsLimit: number | undefined;
  /** seq of containers already handled. */
  private readonly seenContainers = new Set<number>();

  private readonly entries: GapEntries<U>;
  private date = 0;
  private seq = 0;
  private hasState = false;
  /** Containers with a seq, postponed while the common difference is fetched. */
  private heldBatches: UpdatesBatch<U>[] = [];
  /** Containers received before the first state was known. */
  private preStateBatches: UpdatesBatch<U>[] = [];

  constructor(state: EngineState | null, opts: UpdateEngineOptions<U> = {}) {
    this.idleDifferenceMs = opts.idleDifferenceMs ?? 15 * 60 * 1000;
    this.channelDifferenceLimit = opts.channelDifferenceLimit ?? USER_CHANNEL_DIFFERENCE_LIMIT;
    this.ptsTotalLimit = opts.ptsTotalLimit;
    this.ptsLimit = opts.ptsLimit;
    this.entries = new GapEntries<U>({
      gapTimeoutMs: opts.gapTimeoutMs ?? 500,
      idleDifferenceMs: this.idleDifferenceMs,
      plainUpdateKey: opts.plainUpdateKey,
    });
    if (state !== null) this.load(state);
  }

  /** True until setState is given the answer of updates.getState (fresh login, no saved state). */
  needsInitialState(): boolean {
    return !this.hasState;
  }

  /**
   * Starts from the server's current state (updates.getState). Containers that arrived before
   * it are dispatched now, in order (see below).
   */
  setState(state: ServerState, now: number): ProcessResult<U> {
    if (this.hasState) {
      throw new UpdateEngineMisuseError(
        'setState was called on an engine that already has a state; call reset() first ' +
          '(a saved state is caught up through nextDifferenceRequest instead).',
      );
    }
    // Containers that came before the answer were received on this connection, i.e. after it
    // opened: start each sequence just before the first of them, so they are dispatched rather
    // than taken as covered by the state (the server counts them in it). Anything the server has
    // between there and its state that did not arrive is a gap, fetched as usual.
    const early = this.preStateBatches;
    this.preStateBatches = [];
    const startOf = (entry: 'common' | 'secondary', serverPts: number): number => {
      let start = serverPts;
      for (const batch of early) {
        for (const u of batch.updates) if (u.kind === 'pts' && u.entry === entry) start = Math.min(start, u.pts - u.ptsCount);
      }
      return Math.max(0, start);
    };
    this.entries.start(COMMON, startOf('common', state.pts), now);
    this.entries.start(SECONDARY, startOf('secondary', state.qts), now);
    this.date = state.date;
    this.seq = state.seq;
    this.hasState = true;
    const out: Dispatch<U>[] = [];
    let gap = false;
    for (const batch of early) gap = this.processBatch(batch, now, out) || gap;
    return { dispatch: out, gap, stateAfter: this.getState() };
  }

  /** Starts following a channel learnt elsewhere (e.g. from dialogs); a known one is kept. */
  setChannelState(channel: string, pts: number, now: number): void {
    followChannel(this.entries, channel, pts, now);
  }

  /** Forgets everything: the next step is updates.getState and setState. */
  reset(): void {
    this.entries.clear();
    this.heldBatches = [];
    this.preStateBatches = [];
    this.date = 0;
    this.seq = 0;
    this.hasState = false;
  }

  /** The state to persist, or null before the first state is known. */
  getState(): EngineState | null {
    if (!this.hasState) return null;
    const channels: Record<string, number> = {};
    for (const entry of this.entries.values()) {
      if (typeof entry.key !== 'string') channels[entry.key.channel] = entry.pts;
    }
    return {
      pts: this.entries.get(COMMON)?.pts ?? 0,
      qts: this.entries.get(SECONDARY)?.pts ?? 0,
      date: this.date,
      seq: this.seq,
      channels,
    };
  }

  /** Feeds one container received from the socket. */
  processUpdates(batch: IncomingBatch<U>, now: number): ProcessResult<U> {
    if (!this.hasState) {
      // Nothing to check against yet; setState re-examines these.
      if (batch.kind === 'updates') this.preStateBatches.push(batch);
      return { dispatch: [], gap: false, stateAfter: null };
    }
    const out: Dispatch<U>[] = [];
    const gap = this.processBatch(batch, now, out);
    return { dispatch: out, gap, stateAfter: this.getState() };
  }

  /**
   * Moves entries whose wait ran out to "getting difference" and returns when to call again
   * (ms): `now` itself while a difference is to be fetched.
   */
  checkDeadlines(now: number): number {
    if (!this.hasState) return now;
    this.entries.expireDeadlines(now);
    return this.entries.nextWake(now);
  }

  /** The request to send next, or null when nothing needs fetching. Common comes first. */
  nextDifferenceRequest(now: number): DifferenceRequest | null {
    if (!this.hasState) return null;
    this.checkDeadlines(now);
    const common = this.entries.get(COMMON);
    const secondary = this.entries.get(SECONDARY);
    if (common?.gettingDifference || secondary?.gettingDifference) {
      return {
        kind: 'common',
        pts: common?.pts ?? 0,
        qts: secondary?.pts ?? 0,
        // getDifference rejects a zero date.
        date: Math.max(this.date, 1),
        ...(this.ptsTotalLimit !== undefined ? { ptsTotalLimit: this.ptsTotalLimit } : {}),
        ...(this.ptsLimit !== undefined ? { ptsLimit: this.ptsLimit } : {}),
      };
    }
    return nextChannelRequest(this.entries, this.channelDifferenceLimit);
  }

  /** Feeds the answer to the 'common' request (updates.getDifference). */
  applyDifference(resp: DifferenceResponse<U>, now: number): DifferenceResult<U> {
    const common = this.entries.get(COMMON);
    const secondary = this.entries.get(SECONDARY);
    if (!common || !secondary || !common.gettingDifference) {
      throw new UpdateEngineMisuseError(
        'applyDifference was called while no common difference was being fetched; ' +
          'only feed answers to requests returned by nextDifferenceRequest.',
      );
    }
    const out: Dispatch<U>[] = [];
    let done: boolean;
    let skippedPts: number | undefined;
    switch (resp.kind) {
      case 'empty':
        this.date = resp.date;
        this.seq = resp.seq;
        done = true;
        break;
      case 'tooLong':
        // The server will not list the updates in between; continue from its pts and ask
        // again, which brings the date, seq and whatever follows.
        skippedPts = Math.max(0, resp.pts - common.pts);
        common.pts = Math.max(common.pts, resp.pts);
        done = false;
        break;
      case 'difference':
      case 'slice': {
        const state = resp.kind === 'difference' ? resp.state : resp.intermediateState;
        const page = { users: resp.users, chats: resp.chats };
        for (const message of resp.newMessages) out.push(fetched(message, COMMON, page));
        for (const message of resp.newEncryptedMessages ?? []) out.push(fetched(message, SECONDARY, page));
        const covered = new Map([
          [COMMON, state.pts],
          [SECONDARY, state.qts],
        ]);
        this.entries.feedFetched(resp.otherUpdates, covered, page, now, out);
        common.pts = state.pts;
        secondary.pts = state.qts;
        this.date = state.date;
        this.seq = state.seq;
        done = resp.kind === 'difference';
        break;
      }
    }
    if (done) {
      this.entries.endDifference([common, secondary], now + this.idleDifferenceMs, now, out);
      const batches = this.heldBatches;
      this.heldBatches = [];
      for (const batch of batches) this.processBatch(batch, now, out);
    }
    return {
      dispatch: out,
      stateAfter: this.getState(),
      done,
      ...(skippedPts !== undefined ? { skippedPts } : {}),
    };
  }

  /** Feeds the answer to a 'channel' request (updates.getChannelDifference); see channelEngine.ts. */
  applyChannelDifference(channel: string, resp: ChannelDifferenceResponse<U>, now: number): DifferenceResult<U> {
    return { ...applyChannelDifference(this.entries, channel, resp, now), stateAfter: this.getState() };
  }

  /**
   * The channel's difference could not be fetched. 'temporary' (e.g. a server hiccup) keeps the
   * channel and lets its deadlines bring it back; 'forbidden' (CHANNEL_PRIVATE: Courier was
   * removed) forgets the channel and what was held for it.
   */
  endChannelDifference(channel: string, reason: 'temporary' | 'forbidden', now: number): ProcessResult<U> {
    return { dispatch: endChannelDifference(this.entries, channel, reason, now), gap: false, stateAfter: this.getState() };
  }

  // ---- internals ----

  private load(state: EngineState): void {
    this.entries.load(state);
    this.date = state.date;
    this.seq = state.seq;
    this.hasState = true;
  }

  /** Returns true when the container revealed a gap. */
  private processBatch(batch: IncomingBatch<U>, now: number, out: Dispatch<U>[]): boolean {
    if (batch.kind === 'tooLong') {
      this.entries.beginDifference(COMMON);
      return true;
    }
    // Containers with a seq are checked as a whole (https://core.telegram.org/api/updates,
    // "seq"); seqStart 0 means there is nothing to check.
    let stale = false;
    if (batch.seqStart !== 0) {
      if (this.entries.get(COMMON)?.gettingDifference) {
        this.heldBatches.push(batch);
        return false;
      }
      const expected = this.seq + 1;
      if (batch.seqStart > expected) {
        // Held rather than dropped: once the difference is in, what it covered is seen as old.
        this.heldBatches.push(batch);
        this.entries.beginDifference(COMMON);
        return true;
      }
      // Behind the local seq: either a repeat of a container handled before (its plain updates
      // are dropped), or one a difference moved past before it arrived. A difference is not
      // known to list every update without pts (e.g. callback queries), so that one's plain
      // updates are still dispatched: a possible repeat beats a lost button press. Pts updates
      // are checked one by one either way.
      stale = batch.seqStart < expected && this.seenContainers.has(batch.seq);
      remember(this.seenContainers, batch.seq);
    }
    let gap = false;
    const page = { users: batch.users, chats: batch.chats };
    for (const update of orderWithinEntries(batch.updates)) {
      if (update.kind === 'plain') {
        if (!stale) this.entries.dispatchPlain(update.update, 'live', page, out);
      } else if (update.kind === 'channelTooLong') {
        gap = this.entries.channelTooLong(update.channel, update.pts, now) || gap;
      } else {
        gap = this.entries.applyPts(update, 'live', page, now, out) || gap;
      }
    }
    if (batch.seqStart !== 0 && batch.seqStart < this.seq + 1) return gap;
    // seq orders containers, and this one's plain updates were dispatched: it moves on. Its pts
    // updates are guarded by their own pts. The date, which getDifference starts from, moves
    // only once nothing of the account's own sequences is waiting, so the state never claims
    // a moment whose updates were not all dispatched.
    if (batch.seq !== 0) this.seq = batch.seq;
    const waiting = ([COMMON, SECONDARY] as const).some((id) => (this.entries.get(id)?.held.length ?? 0) > 0);
    if (!waiting && batch.date !== 0) this.date = batch.date;
    return gap;
  }
}
