/**
 * Fault injection for the world half, driven by tests and the load bench. In memory only: a
 * restarted emulator starts without faults.
 *
 * - withholdPushes: events are still logged and counted in pts/qts, only the live push is
 *   skipped, so the client sees a gap (core.telegram.org/api/updates, "recovering gaps").
 * - forceDifferenceTooLong: the next updates.getDifference of that user answers
 *   updates.differenceTooLong whatever the distance.
 * - failMethod / stallMethod: consulted by rpc/dispatch.ts before a handler runs.
 */
import type { RpcError } from '../contract.js';

type Listener = (userId: number) => void;

export class WorldFaults {
  private readonly withheld = new Set<number>();
  private withholdAll = false;
  private readonly tooLong = new Set<number>();
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
    this.tooLong.add(userId);
  }

  /** True once per forceDifferenceTooLong call. */
  takeDifferenceTooLong(userId: number): boolean {
    return this.tooLong.delete(userId);
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
