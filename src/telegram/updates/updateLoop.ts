/**
 * The update engine's I/O loop: it feeds the engine what the socket brings, sends the
 * getState / getDifference / getChannelDifference requests the engine asks for, and hands every
 * step's dispatched updates with the state covering them to a sink that stores both at once
 * (src/storage/inboxRepository.ts storeUpdates). It is the only place that awaits on behalf of
 * the engine, and it does so one step at a time, so the engine is never re-entered.
 *
 * Why a queue and one pump instead of handling each container as it arrives: a difference is
 * fetched with awaits in between, and containers keep arriving meanwhile. Feeding them to the
 * engine between two pages is fine (it postpones what the difference will cover), but two
 * concurrent pumps would apply two answers to one request.
 *
 * Everything with side effects is injected (the API calls, the sink, the clock and timers), so the
 * loop is tested with fakes and a fake clock, including the 15-minute rule.
 *
 * Three rules at the start and around the server's answers:
 * - A stored state is checked against updates.getState (verifyStoredState): a pts or qts beyond
 *   the server's own cannot be this account's on this server (another world's database, a
 *   restored backup of another bot). Kept, it would make every live update look old and drop
 *   it in silence; instead the loop starts fresh and says so (onImpossibleState).
 * - pts_limit has no documented meaning (core.telegram.org/method/updates.getDifference documents
 *   only pts_total_limit), so a differenceTooLong to a request that carried it is asked once more
 *   without it before the skip is accepted.
 * - On a first start the loop may also fetch a backlog (firstStartBacklog, see start()).
 */
import type { UpdateEngine } from './engine.js';
import {
  BACKLOG_PTS_WINDOW,
  systemLoopClock,
  UpdateLoopStoppedError,
  type CatchupReport,
  type LoopClock,
  type RequestFailure,
  type UpdateApi,
  type UpdateLoopOptions,
  type UpdateSink,
} from './loopContract.js';
import type {
  ChannelDifferenceResponse,
  DifferenceRequest,
  DifferenceResponse,
  DifferenceResult,
  Dispatch,
  EngineState,
  IncomingBatch,
  ServerState,
} from './types.js';

export class UpdateLoop<U> {
  private readonly clock: LoopClock;
  private readonly classify: (error: unknown) => RequestFailure;
  private readonly queue: IncomingBatch<U>[] = [];
  private pumping: Promise<void> | null = null;
  /** A failed request's retry; while armed, deadlines wait for it. */
  private timer: { cancel(): void } | null = null;
  private deadline: { cancel(): void } | null = null;
  private stopped = false;
  private starting = false;
  /** Set once the engine has a state: containers are only fed to it from then on. */
  private started = false;
  private run: CatchupReport | null = null;
  private retryMs: number;
  private lastStoredState = '';
  /** The next page's request, already sent while the previous page was being stored. */
  private prefetched: { key: string; response: Promise<DifferenceResponse<U> | ChannelDifferenceResponse<U>> } | null = null;
  /** start()'s caller, until the first run of differences ends; null from then on. */
  private firstRun: { resolve: (r: CatchupReport | null) => void; reject: (e: unknown) => void } | null = null;
  private resolveReady: () => void = () => undefined;
  /**
   * While the first start's backlog is fetched: the oldest date kept, and the server's state when
   * the loop started, under which no stored state falls (see storeBacklog).
   */
  private backlog: { cutoff: number; floor: ServerState } | null = null;
  /**
   * Resolves once a state is stored (at once when one was loaded; after updates.getState on a
   * first start). Before that, a stop leaves nothing to continue from, so "running" waits for it.
   */
  readonly ready: Promise<void> = new Promise((resolve) => {
    this.resolveReady = resolve;
  });

  constructor(
    private readonly engine: UpdateEngine<U>,
    private readonly api: UpdateApi<U>,
    private readonly sink: UpdateSink<U>,
    private readonly options: UpdateLoopOptions<U> = {},
  ) {
    this.clock = options.clock ?? systemLoopClock;
    this.classify = options.classifyError ?? (() => ({ kind: 'retry' }));
    this.retryMs = options.retryMs ?? 500;
  }

  /**
   * Starts: with no stored state takes updates.getState; otherwise fetches the difference to the
   * end. Resolves with that first catch-up's report (null when there was nothing to fetch) once
   * everything missed is stored; live containers pushed meanwhile are kept and applied after it.
   */
  async start(): Promise<CatchupReport | null> {
    if (this.starting) throw new Error('UpdateLoop.start was called twice.');
    this.starting = true;
    if (this.engine.needsInitialState()) {
      await this.startFresh(await this.retrying('updates.getState', () => this.api.getState()));
    } else if (this.options.verifyStoredState) {
      const server = await this.retrying('updates.getState', () => this.api.getState());
      const stored = this.engine.getState()!;
      // Channel pts cannot be checked this way (each would need its own request); a channel the
      // server does not know ends with CHANNEL_PRIVATE / channelDifferenceTooLong as usual.
      if (stored.pts > server.pts || stored.qts > server.qts) {
        this.options.onImpossibleState?.(stored, server);
        this.engine.reset();
        await this.startFresh(server);
      }
    }
    const done = new Promise<CatchupReport | null>((resolve, reject) => (this.firstRun = { resolve, reject }));
    this.started = true;
    this.resolveReady();
    this.kick();
    return done;
  }

  /**
   * Starts the engine from the server's state. With a backlog, the engine starts `ptsWindow`
   * events earlier and gets the difference from there; what is stored meanwhile never falls
   * below the server's state (storeBacklog), so a crash in the middle loses the rest of the
   * backlog but nothing after it, and never replays older messages on the next start.
   */
  private async startFresh(server: ServerState): Promise<void> {
    // What arrived while getState was on its way goes in first: the engine keeps it for setState.
    for (const batch of this.queue.splice(0)) this.engine.processUpdates(batch, this.clock.now());
    const backlog = this.options.firstStartBacklog;
    if (!backlog || backlog.seconds <= 0) {
      const result = this.engine.setState(server, this.clock.now());
      if (result.stateAfter) this.store(result.dispatch, result.stateAfter, 'live');
      return;
    }
    const cutoff = server.date - backlog.seconds;
    this.backlog = { cutoff, floor: server };
    const from = { ...server, pts: Math.max(0, server.pts - (backlog.ptsWindow ?? BACKLOG_PTS_WINDOW)), date: Math.max(1, cutoff) };
    const result = this.engine.setState(from, this.clock.now());
    if (result.stateAfter) this.store(result.dispatch, result.stateAfter, 'live');
    // updatesTooLong is the engine's way in to "get the difference now".
    this.queue.unshift({ kind: 'tooLong' });
  }

  /** A container from the socket (or the Updates result of a request). */
  push(batch: IncomingBatch<U>): void {
    if (this.stopped) return;
    this.queue.push(batch);
    if (this.started) this.kick();
  }

  /**
   * The connection was lost and is back: whatever was pushed meanwhile never arrived, so get the
   * difference (the spec's answer to updatesTooLong, which is what a lost connection amounts to).
   */
  reconnected(): void {
    this.push({ kind: 'tooLong' });
  }

  /** Stops taking containers and timers; resolves when the step in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.deadline?.cancel();
    this.deadline = null;
    await this.pumping;
    this.endFirstRun((first) => first.reject(new UpdateLoopStoppedError()));
  }

  private kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = this.pump()
      .catch((error: unknown) => {
        // The sink failed (e.g. the disk is full): stop rather than dispatch updates that are not stored.
        this.options.onError?.(error, 'storing updates');
        this.stopped = true;
        this.endFirstRun((first) => first.reject(error));
      })
      .finally(() => {
        this.pumping = null;
        if (!this.stopped && this.queue.length > 0) this.kick();
        else this.armTimer();
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const batch = this.queue.shift();
      if (batch) {
        const result = this.engine.processUpdates(batch, this.clock.now());
        if (result.stateAfter) this.store(result.dispatch, result.stateAfter, 'live');
        continue;
      }
      const request = this.engine.nextDifferenceRequest(this.clock.now());
      if (!request) {
        this.finishRun();
        return;
      }
      this.run ??= { reason: this.firstRun ? 'start' : 'gap', startedAt: this.clock.now(), finishedAt: 0, recovered: 0, skippedPts: 0, requests: 0 };
      const ok = await this.fetch(request);
      if (!ok) return; // a retry timer is armed
    }
  }

  /** Sends one difference request and applies its answer; false when it failed (retry scheduled). */
  private async fetch(request: DifferenceRequest): Promise<boolean> {
    const run = this.run!;
    run.requests += 1;
    const key = JSON.stringify(request);
    const pending = this.prefetched?.key === key ? this.prefetched.response : this.send(request);
    this.prefetched = null;
    let result: DifferenceResult<U> | { dispatch: Dispatch<U>[]; stateAfter: EngineState | null; skippedPts?: number };
    try {
      let response = await pending;
      if (this.stopped) return true;
      if (request.kind === 'common' && request.ptsLimit !== undefined && response.kind === 'tooLong') {
        // pts_limit is undocumented: it must not be what cost the updates. Ask once without it.
        const { ptsLimit: _unused, ...plain } = request;
        run.requests += 1;
        response = await this.api.getDifference(plain);
        if (this.stopped) return true;
      }
      result =
        request.kind === 'common'
          ? this.engine.applyDifference(response as DifferenceResponse<U>, this.clock.now())
          : this.engine.applyChannelDifference(request.channel, response as ChannelDifferenceResponse<U>, this.clock.now());
    } catch (error) {
      if (this.stopped) return true;
      const failure = this.classify(error);
      if (request.kind === 'channel' && failure.kind === 'forbidden') {
        const ended = this.engine.endChannelDifference(request.channel, 'forbidden', this.clock.now());
        if (ended.stateAfter) this.store(ended.dispatch, ended.stateAfter, 'difference');
        return true;
      }
      this.options.onError?.(error, request.kind === 'common' ? 'updates.getDifference' : `updates.getChannelDifference(${request.channel})`);
      const delay = failure.kind === 'retry' && failure.afterMs !== undefined ? failure.afterMs : this.nextBackoff();
      this.timer?.cancel();
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.kick();
      }, delay);
      return false;
    }
    this.retryMs = this.options.retryMs ?? 500;
    // Ask for the next page before storing this one: its answer travels while this page is
    // stored. Storing is synchronous, so pages are still stored in order; a prefetched answer
    // that no longer fits (live updates changed the request meanwhile) is simply not used.
    const next = this.queue.length === 0 ? this.engine.nextDifferenceRequest(this.clock.now()) : null;
    if (next) {
      const response = this.send(next);
      response.catch(() => undefined); // observed when used; an unused one may fail unseen
      this.prefetched = { key: JSON.stringify(next), response };
    }
    // A backlog the server no longer keeps was never Courier's to lose: not a skip to alert about.
    if (!this.backlog) run.skippedPts += result.skippedPts ?? 0;
    if (result.stateAfter) run.recovered += this.store(result.dispatch, result.stateAfter, 'difference');
    return true;
  }

  private send(request: DifferenceRequest): Promise<DifferenceResponse<U> | ChannelDifferenceResponse<U>> {
    return request.kind === 'common' ? this.api.getDifference(request) : this.api.getChannelDifference(request);
  }

  private store(dispatch: readonly Dispatch<U>[], state: EngineState, source: 'live' | 'difference'): number {
    if (this.backlog) ({ dispatch, state } = this.storeBacklog(dispatch, state));
    const key = JSON.stringify(state);
    // A container that only held an update for later changes nothing: skip the write.
    if (dispatch.length === 0 && key === this.lastStoredState) return 0;
    const inserted = this.sink.store(dispatch, state, source);
    this.lastStoredState = key;
    return inserted;
  }

  /**
   * During the first start's backlog: fetched updates older than the cutoff are dropped, and the
   * state stored is never below the server's state at the start. Live updates beyond it are held
   * by the engine until the difference is in, so that floor covers only backlog updates.
   */
  private storeBacklog(dispatch: readonly Dispatch<U>[], state: EngineState): { dispatch: readonly Dispatch<U>[]; state: EngineState } {
    const { cutoff, floor } = this.backlog!;
    const dateOf = this.options.firstStartBacklog!.dateOf;
    return {
      dispatch: dispatch.filter((d) => {
        if (d.source !== 'difference') return true;
        const date = dateOf(d.update);
        return date === null || date >= cutoff;
      }),
      state: {
        ...state,
        pts: Math.max(state.pts, floor.pts),
        qts: Math.max(state.qts, floor.qts),
        date: Math.max(state.date, floor.date),
        seq: Math.max(state.seq, floor.seq),
      },
    };
  }

  private finishRun(): void {
    const run = this.run;
    this.run = null;
    this.backlog = null;
    if (run) {
      run.finishedAt = this.clock.now();
      this.options.onCatchup?.(run);
    }
    this.endFirstRun((first) => first.resolve(run));
  }

  private endFirstRun(settle: (first: NonNullable<UpdateLoop<U>['firstRun']>) => void): void {
    const first = this.firstRun;
    this.firstRun = null;
    if (first) settle(first);
  }

  /** Wakes the loop when the engine's next deadline passes (held gap, idle rule). */
  private armTimer(): void {
    this.deadline?.cancel();
    this.deadline = null;
    if (this.stopped || this.timer || !this.started) return;
    const now = this.clock.now();
    const wake = this.engine.checkDeadlines(now);
    this.deadline = this.clock.setTimeout(
      () => {
        this.deadline = null;
        this.kick();
      },
      Math.max(0, wake - now),
    );
  }

  private nextBackoff(): number {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
    return delay;
  }

  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (this.stopped) throw new UpdateLoopStoppedError();
        this.options.onError?.(error, what);
        const failure = this.classify(error);
        const delay = failure.kind === 'retry' && failure.afterMs !== undefined ? failure.afterMs : this.nextBackoff();
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay));
      }
    }
  }
}
