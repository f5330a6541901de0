/**
 * Bookkeeping for one ordered update sequence (the account's pts, its qts, or one channel's pts):
 * where it stands, which updates wait for a missing predecessor, and its two clocks (the short
 * "possible gap" wait and the long "no updates for a while" wait). Pure data and small functions;
 * the engine decides when to call them.
 */
import type { Page } from './engineOptions.js';
import type { Dispatch, EngineState, EntryKey, IncomingUpdate, PtsUpdate } from './types.js';

/** An update that could not be applied yet, with what it came with. */
export interface HeldUpdate<U> {
  readonly update: PtsUpdate<U>;
  readonly source: 'live' | 'difference';
  readonly users: readonly unknown[];
  readonly chats: readonly unknown[];
}

export interface GapEntry<U> {
  readonly key: EntryKey;
  /** The pts (or qts) of the last update dispatched for this entry. */
  pts: number;
  /** When this entry has been quiet long enough to ask for its difference (ms). */
  idleDeadline: number;
  /** Set while updates are held for a possible gap: when to stop waiting (ms). */
  gapDeadline: number | null;
  /** True from the moment a difference is needed until its final answer is applied. */
  gettingDifference: boolean;
  /** Updates waiting for a predecessor, sorted by where they start (pts - ptsCount). */
  held: HeldUpdate<U>[];
}

export function newEntry<U>(key: EntryKey, pts: number, idleDeadline: number): GapEntry<U> {
  return { key, pts, idleDeadline, gapDeadline: null, gettingDifference: false, held: [] };
}

/** A Map key for an entry: 'common', 'secondary' or 'channel:<id>'. */
export function entryId(key: EntryKey): string {
  return typeof key === 'string' ? key : `channel:${key.channel}`;
}

/**
 * The spec's check (https://core.telegram.org/api/updates, "Recovering gaps"):
 * local_pts + pts_count === pts applies; greater means it was already applied;
 * smaller means some updates are missing in between.
 */
export function classify(localPts: number, update: PtsUpdate<unknown>): 'apply' | 'duplicate' | 'gap' {
  const expected = localPts + update.ptsCount;
  if (expected === update.pts) return 'apply';
  return expected > update.pts ? 'duplicate' : 'gap';
}

function startOf(update: PtsUpdate<unknown>): number {
  return update.pts - update.ptsCount;
}

/** Keeps `held` sorted by start; an identical update (same pts and count) is kept once. */
export function hold<U>(entry: GapEntry<U>, item: HeldUpdate<U>): void {
  const start = startOf(item.update);
  let at = entry.held.length;
  for (let i = 0; i < entry.held.length; i++) {
    const other = entry.held[i]!.update;
    if (other.pts === item.update.pts && other.ptsCount === item.update.ptsCount) return;
    if (startOf(other) > start) {
      at = i;
      break;
    }
  }
  entry.held.splice(at, 0, item);
}

/**
 * Applies held updates that now follow the entry's pts, in order, and drops held ones that turn
 * out to be already applied. Returns what became dispatchable.
 */
export function releaseReady<U>(entry: GapEntry<U>): HeldUpdate<U>[] {
  const ready: HeldUpdate<U>[] = [];
  while (entry.held.length > 0) {
    const first = entry.held[0]!;
    const verdict = classify(entry.pts, first.update);
    if (verdict === 'gap') break;
    entry.held.shift();
    if (verdict === 'apply') {
      entry.pts = first.update.pts;
      ready.push(first);
    }
  }
  if (entry.held.length === 0) entry.gapDeadline = null;
  return ready;
}

/**
 * Telegram may send the updates of one sequence out of order inside a single container
 * (e.g. a read-inbox before the new message with the same pts), so within each entry the
 * updates are put in pts order. Everything else keeps its place: plain updates are not moved,
 * and updates of different entries do not trade places.
 */
export function orderWithinEntries<U>(updates: readonly IncomingUpdate<U>[]): IncomingUpdate<U>[] {
  const result = [...updates];
  const positions = new Map<string, number[]>();
  result.forEach((update, index) => {
    if (update.kind !== 'pts') return;
    const id = entryId(update.entry);
    const list = positions.get(id) ?? [];
    list.push(index);
    positions.set(id, list);
  });
  for (const list of positions.values()) {
    const sorted = list
      .map((index) => result[index] as PtsUpdate<U>)
      .sort((a, b) => startOf(a) - startOf(b) || a.pts - b.pts);
    list.forEach((index, k) => {
      result[index] = sorted[k]!;
    });
  }
  return result;
}

/** Entries read back from storage: after a restart anything may have been missed, so every
 * entry starts by getting its difference (its idle deadline is set when that ends). */
export function loadEntries<U>(state: EngineState): Map<string, GapEntry<U>> {
  const entries = new Map<string, GapEntry<U>>();
  const add = (key: EntryKey, pts: number): void => {
    entries.set(entryId(key), { ...newEntry<U>(key, pts, 0), gettingDifference: true });
  };
  add('common', state.pts);
  add('secondary', state.qts);
  for (const [channel, pts] of Object.entries(state.channels)) add({ channel }, pts);
  return entries;
}

/**
 * Marks an entry as getting its difference. The account's pts and qts come in one
 * getDifference, so they always start (and end) together.
 */
export function beginDifference<U>(entries: Map<string, GapEntry<U>>, key: EntryKey): void {
  const ids = typeof key === 'string' ? ['common', 'secondary'] : [entryId(key)];
  for (const id of ids) {
    const entry = entries.get(id);
    if (!entry) continue;
    entry.gettingDifference = true;
    // Held updates stay: they are checked again once the difference is in.
    entry.gapDeadline = null;
  }
}

export function endDifference<U>(entry: GapEntry<U>, idleDeadline: number): void {
  entry.gettingDifference = false;
  entry.gapDeadline = null;
  entry.idleDeadline = idleDeadline;
}

/** Entries whose possible gap or quiet period ran out start getting their difference. */
export function expireDeadlines<U>(entries: Map<string, GapEntry<U>>, now: number): void {
  for (const entry of entries.values()) {
    if (entry.gettingDifference) continue;
    const gapExpired = entry.gapDeadline !== null && now >= entry.gapDeadline;
    if (gapExpired || now >= entry.idleDeadline) beginDifference(entries, entry.key);
  }
}

/** When the caller should look again: now while a difference is wanted, else the next deadline. */
export function nextWake<U>(entries: Map<string, GapEntry<U>>, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const entry of entries.values()) {
    if (entry.gettingDifference) return now;
    next = Math.min(next, entry.idleDeadline, entry.gapDeadline ?? Number.POSITIVE_INFINITY);
  }
  return next;
}

/** A checked pts update, ready to hand out. */
export function dispatchOf<U>(item: HeldUpdate<U>): Dispatch<U> {
  const { update, source, users, chats } = item;
  return { update: update.update, source, entry: update.entry, pts: update.pts, users, chats };
}

/** A message listed in a difference: it carries no pts of its own. */
export function fetched<U>(message: U, entry: EntryKey, page: Page): Dispatch<U> {
  return { update: message, source: 'difference', entry, pts: null, users: page.users, chats: page.chats };
}
