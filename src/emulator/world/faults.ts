/**
 * Fault injection for the world half, driven by tests and the load bench. In memory only: a
 * restarted emulator starts without faults.
 *
 * - withholdPushes: events are still logged and counted in pts/qts, only the live push is
 *   skipped, so the client sees a gap (core.telegram.org/api/updates, "recovering gaps").
 * - forceDifferenceTooLong: the server forgets that user's updates so far: the next
 *   updates.getDifference answers updates.differenceTooLong whatever the distance, and so does
 *   every later one from a pts before the server's pts at that moment (asking again, with or
 *   without pts_limit, does not bring them back); the first one from there on clears the fault.
 * - failMethod / stallMethod: consulted by rpc/dispatch.ts before a handler runs.
 */
import type { RpcError } from '../contract.js';

type Listener = (userId: number) => void;

export class WorldFaults {
  private readonly withheld = new Set<number>();
  private withholdAll = false;
  /** user -> the pts below which getDifference is too long (null: pinned at the next request). */
  private readonly tooLong = new Map<number, number | null>();
  private readonly failures = new Map<string, { error: RpcError; times: number }>();
  private readonly stalls = new Map<string, number>();
  private readonly onRelease: Listener[] = [];

  /** Stops (on=true) or resumes (on=false) live pushes to a user, or to everyone with 'all'. */
  withholdPushes(userId: number | 'all', on: boolean): void {
    const before = userId === 'all' ? null : this.isWithheld(userId);
    if (userId === 'all') {
      this.withholdAll = on;
      if (!on) this.withheld.clear();
    } else if (on) this.withheld.add(userId);
    else this.withheld.delete(userId);
    if (!on && (userId === 'all' || before)) for (const l of this.onRelease) l(userId === 'all' ? -1 : userId);
  }

  isWithheld(userId: number): boolean {
    return this.withholdAll || this.withheld.has(userId);
  }

  /** Called with the user id (-1 for "everyone") when pushes resume. */
  onPushesResumed(listener: Listener): void {
    this.onRelease.push(listener);
  }

  forceDifferenceTooLong(userId: number): void {
    this.tooLong.set(userId, null);
  }

  /** Whether this getDifference (from `pts`; the server is at `currentPts`) answers differenceTooLong. */
  takeDifferenceTooLong(userId: number, pts: number, currentPts: number): boolean {
    if (!this.tooLong.has(userId)) return false;
    const below = this.tooLong.get(userId);
    if (below === null || below === undefined) {
      this.tooLong.set(userId, currentPts);
      return true;
    }
    if (pts < below) return true;
    this.tooLong.delete(userId);
    return false;
  }

  /** Answers the next `times` calls of `className` (e.g. "messages.SendMessage") with `error`. */
  failMethod(className: string, error: RpcError, times = 1): void {
    if (times <= 0) this.failures.delete(className);
    else this.failures.set(className, { error, times });
  }

  takeFailure(className: string): RpcError | null {
    const f = this.failures.get(className);
    if (!f) return null;
    if (--f.times <= 0) this.failures.delete(className);
    return f.error;
  }

  /** Delays every call of `className` by `ms` (0 or less removes the stall). */
  stallMethod(className: string, ms: number): void {
    if (ms <= 0) this.stalls.delete(className);
    else this.stalls.set(className, ms);
  }

  stallFor(className: string): number {
    return this.stalls.get(className) ?? 0;
  }

  clear(): void {
    this.withheld.clear();
    this.withholdAll = false;
    this.tooLong.clear();
    this.failures.clear();
    this.stalls.clear();
  }
}
