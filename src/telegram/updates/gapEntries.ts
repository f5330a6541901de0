/**
 * Bookkeeping for the ordered update sequences (the account's pts, its qts, and each channel's
 * pts): for each, where it stands, which updates wait for a missing predecessor, and its two
 * clocks (the short "possible gap" wait and the long "no updates for a while" wait). GapEntries
 * holds them all and applies one update at a time to its entry by the spec's rule
 * (https://core.telegram.org/api/updates, "Recovering gaps"). Pure: it reads no clock and sends
 * nothing; engine.ts (the account's sequences) and channelEngine.ts (channels' differences) decide
 * when to call it.
 */
import { remember, type Page } from './engineOptions.js';
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

/** A checked pts update, ready to hand out. */
export function dispatchOf<U>(item: HeldUpdate<U>): Dispatch<U> {
  const { update, source, users, chats } = item;
  return { update: update.update, source, entry: update.entry, pts: update.pts, users, chats };
}

/** A message listed in a difference: it carries no pts of its own. */
export function fetched<U>(message: U, entry: EntryKey, page: Page): Dispatch<U> {
  return { update: message, source: 'difference', entry, pts: null, users: page.users, chats: page.chats };
}

export interface GapEntriesOptions<U> {
  gapTimeoutMs: number;
  idleDifferenceMs: number;
  plainUpdateKey: ((update: U) => string | null) | undefined;
}

/**
 * Every entry the engine follows, keyed by entryId, and the rules that apply one update to them.
 * It also remembers the keys of plain updates (no pts) already dispatched, because a difference
 * page brings plain and pts updates mixed and both go through feedFetched.
 */
export class GapEntries<U> {
  private entries = new Map<string, GapEntry<U>>();
  private readonly seenPlainKeys = new Set<string>();

  constructor(private readonly opts: GapEntriesOptions<U>) {}

  get idleDifferenceMs(): number {
    return this.opts.idleDifferenceMs;
  }

  get(key: EntryKey): GapEntry<U> | undefined {
    return this.entries.get(entryId(key));
  }

  values(): IterableIterator<GapEntry<U>> {
    return this.entries.values();
  }

  /** Starts (or restarts) following a sequence at `pts`; it is quiet until now + idleDifferenceMs. */
  start(key: EntryKey, pts: number, now: number): void {
    this.entries.set(entryId(key), newEntry(key, pts, now + this.opts.idleDifferenceMs));
  }

  delete(key: EntryKey): void {
    this.entries.delete(entryId(key));
  }

  /** Replaces every entry by those of a stored state (each starts by getting its difference). */
  load(state: EngineState): void {
    this.entries = loadEntries<U>(state);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Marks an entry as getting its difference. The account's pts and qts come in one
   * getDifference, so they always start (and end) together.
   */
  beginDifference(key: EntryKey): void {
    const ids = typeof key === 'string' ? ['common', 'secondary'] : [entryId(key)];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      entry.gettingDifference = true;
      // Held updates stay: they are checked again once the difference is in.
      entry.gapDeadline = null;
    }
  }

  /** Entries whose possible gap or quiet period ran out start getting their difference. */
  expireDeadlines(now: number): void {
    for (const entry of this.entries.values()) {
      if (entry.gettingDifference) continue;
      const gapExpired = entry.gapDeadline !== null && now >= entry.gapDeadline;
      if (gapExpired || now >= entry.idleDeadline) this.beginDifference(entry.key);
    }
  }

  /** When the caller should look again: now while a difference is wanted, else the next deadline. */
  nextWake(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (entry.gettingDifference) return now;
      next = Math.min(next, entry.idleDeadline, entry.gapDeadline ?? Number.POSITIVE_INFINITY);
    }
    return next;
  }

  /** Checks one pts update against its entry; returns true when it opened a possible gap. */
  applyPts(update: PtsUpdate<U>, source: Dispatch['source'], page: Page, now: number, out: Dispatch<U>[]): boolean {
    // Telegram sometimes sends qts = 0 (e.g. channel participant updates): no order to keep.
    if (update.pts === 0) {
      out.push({ update: update.update, source, entry: null, pts: null, ...page });
      return false;
    }
    const entry = this.get(update.entry);
    const item = { update, source, ...page };
    if (!entry) {
      // The first update of a channel never seen before: nothing to compare with, so it starts
      // the channel's sequence.
      this.start(update.entry, update.pts, now);
      out.push(dispatchOf(item));
      return false;
    }
    entry.idleDeadline = now + this.opts.idleDifferenceMs;
    if (entry.gettingDifference) {
      hold(entry, item);
      return false;
    }
    const verdict = classify(entry.pts, update);
    if (verdict === 'duplicate') return false;
    if (verdict === 'gap') {
      hold(entry, item);
      if (entry.gapDeadline === null) entry.gapDeadline = now + this.opts.gapTimeoutMs;
      return true;
    }
    entry.pts = update.pts;
    out.push(dispatchOf(item));
    for (const released of releaseReady(entry)) out.push(dispatchOf(released));
    return false;
  }

  /** updateChannelTooLong: the channel starts getting its difference; returns true when it does. */
  channelTooLong(channel: string, pts: number | undefined, now: number): boolean {
    if (!this.get({ channel })) {
      // Without a known pts there is nothing to ask the difference from.
      if (pts === undefined) return false;
      this.start({ channel }, pts, now);
    }
    this.beginDifference({ channel });
    return true;
  }

  /**
   * other_updates of a difference page. Updates of the entry being fetched lie within the
   * page's range (`covered`: entryId to the page's final pts) and are dispatched if the local
   * state has not seen them; one beyond the page (should not happen) is held for later rather
   * than lost. Other entries go the normal way.
   */
  feedFetched(updates: readonly IncomingUpdate<U>[], covered: Map<string, number>, page: Page, now: number, out: Dispatch<U>[]): void {
    for (const update of orderWithinEntries(updates)) {
      if (update.kind === 'plain') {
        this.dispatchPlain(update.update, 'difference', page, out);
      } else if (update.kind === 'channelTooLong') {
        this.channelTooLong(update.channel, update.pts, now);
      } else {
        const limit = covered.get(entryId(update.entry));
        const entry = this.get(update.entry);
        if (limit === undefined || !entry || update.pts === 0) {
          this.applyPts(update, 'difference', page, now, out);
        } else if (update.pts > limit) {
          hold(entry, { update, source: 'difference', ...page });
        } else if (update.pts > entry.pts) {
          out.push(dispatchOf({ update, source: 'difference', ...page }));
        }
      }
    }
  }

  /** An update without pts: dispatched unless its key (plainUpdateKey) was dispatched before. */
  dispatchPlain(update: U, source: Dispatch['source'], page: Page, out: Dispatch<U>[]): void {
    const key = this.opts.plainUpdateKey?.(update) ?? null;
    if (key !== null) {
      if (this.seenPlainKeys.has(key)) return;
      remember(this.seenPlainKeys, key);
    }
    out.push({ update, source, entry: null, pts: null, ...page });
  }

  /**
   * A difference ended for these entries: each stops getting it (quiet until `idleDeadline`) and
   * what was postponed meanwhile is checked again: covered ones drop, the rest apply or wait.
   */
  endDifference(entries: readonly GapEntry<U>[], idleDeadline: number, now: number, out: Dispatch<U>[]): void {
    for (const entry of entries) {
      entry.gettingDifference = false;
      entry.gapDeadline = null;
      entry.idleDeadline = idleDeadline;
    }
    for (const entry of entries) {
      const held = entry.held;
      const keptDeadline = entry.idleDeadline;
      entry.held = [];
      for (const item of held) this.applyPts(item.update, item.source, item, now, out);
      // Replaying is not hearing from the server: keep the deadline the difference set.
      entry.idleDeadline = keptDeadline;
    }
  }
}
