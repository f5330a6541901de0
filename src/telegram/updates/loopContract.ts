/**
 * What the update loop (updateLoop.ts) is given and gives back: the three requests it sends, the
 * sink that stores what it dispatched, its clock, its options and its catch-up reports. Kept apart
 * from the loop so the callers (service.ts, the inbox's store, tests) read the contract without
 * the machinery.
 */
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

export type CommonDifferenceRequest = Extract<DifferenceRequest, { kind: 'common' }>;
export type ChannelDifferenceRequest = Extract<DifferenceRequest, { kind: 'channel' }>;

/** The three requests, sent by the caller's client (GramJS in src/telegram/updates/gramjsSource.ts). */
export interface UpdateApi<U> {
  getState(): Promise<ServerState>;
  getDifference(request: CommonDifferenceRequest): Promise<DifferenceResponse<U>>;
  getChannelDifference(request: ChannelDifferenceRequest): Promise<ChannelDifferenceResponse<U>>;
}

/**
 * What to do about a failed request: wait and retry (FLOOD_WAIT says how long; a network error
 * gets a growing backoff), or, for a channel, give up on it ('forbidden': Courier was removed).
 */
export type RequestFailure = { kind: 'retry'; afterMs?: number } | { kind: 'forbidden' };

export interface UpdateSink<U> {
  /**
   * Stores the dispatched updates and the state that covers them in one transaction and returns
   * how many of those fetched by a difference (source 'difference') were new work for Courier:
   * live updates the difference released, updates Courier does not handle (its own messages, read
   * receipts) and copies of stored ones do not count. Must not await: the state must never
   * be stored ahead of its updates, and an exception here stops the loop (nothing is lost:
   * the stored state is the old one, and the next start fetches the difference again).
   */
  store(dispatch: readonly Dispatch<U>[], state: EngineState, source: 'live' | 'difference'): number;
}

export interface LoopClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemLoopClock: LoopClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // The loop's wake-ups must not keep a stopping process alive.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** One run of getting differences, from the first request to the last page. */
export interface CatchupReport {
  /** 'start': the run that began at startup; 'gap': a gap, tooLong, reconnect or the idle rule. */
  reason: 'start' | 'gap';
  startedAt: number;
  finishedAt: number;
  /** Updates fetched by the difference that Courier had not stored yet and will handle. */
  recovered: number;
  /** pts skipped by differenceTooLong / channelDifferenceTooLong: updates lost for good. */
  skippedPts: number;
  /** Requests sent (pages). */
  requests: number;
}

export interface UpdateLoopOptions<U = unknown> {
  clock?: LoopClock;
  classifyError?: (error: unknown) => RequestFailure;
  onCatchup?: (report: CatchupReport) => void;
  onError?: (error: unknown, what: string) => void;
  /** First retry delay after a failed request; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Ask updates.getState before catching up from a stored state, and start fresh when the stored one is impossible. */
  verifyStoredState?: boolean;
  /**
   * The stored state is ahead of the server's (see verifyStoredState). Called before the fresh
   * state is stored, so that the caller can keep the old one apart; must not await.
   */
  onImpossibleState?: (stored: EngineState, server: ServerState) => void;
  /** On a start without a stored state, also fetch and handle what arrived in the last `seconds`. */
  firstStartBacklog?: FirstStartBacklog<U>;
}

/**
 * How far back a first start looks. Telegram has no "updates since this date" request, so the
 * loop asks getDifference from `ptsWindow` events before the server's pts (and the backlog's
 * start as the date) and keeps only fetched updates dated within `seconds`.
 */
export interface FirstStartBacklog<U> {
  seconds: number;
  /** The send date (seconds) of a fetched update, or null when it carries none (then it is kept). */
  dateOf(update: U): number | null;
  /**
   * How many pts to step back (default BACKLOG_PTS_WINDOW). LIMIT: an account with more events
   * than this in the backlog's hours gets only the latest ones; one whose server no longer keeps
   * them answers differenceTooLong, and the backlog is empty. Neither is a loss: these updates
   * were never Courier's.
   */
  ptsWindow?: number;
}

/** Common-sequence events a first start steps back for its backlog (the emulator keeps 10 000). */
export const BACKLOG_PTS_WINDOW = 10_000;

export class UpdateLoopStoppedError extends Error {
  override readonly name = 'UpdateLoopStoppedError';
  constructor() {
    super('The update loop was stopped before it finished catching up; the next start continues from the stored state.');
  }
}
