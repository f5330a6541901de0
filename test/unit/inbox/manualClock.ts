/**
 * A clock the test moves by hand, with the inbox's Timers on top of it: `advance(ms)` runs every
 * callback that falls due, in time order, with `now()` set to the moment it was due. No sleeps.
 */
import type { Cancel, Timers } from '../../../src/inbox/timers.js';

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  everyMs: number | null;
  keepAlive: boolean;
}

export class ManualClock implements Timers {
  private time: number;
  private seq = 0;
  private readonly scheduled = new Set<Scheduled>();

  constructor(start = 1_800_000_000_000) {
    this.time = start;
  }

  now = (): number => this.time;

  after(ms: number, fn: () => void, options: { keepAlive?: boolean } = {}): Cancel {
    return this.add({ at: this.time + ms, seq: this.seq++, fn, everyMs: null, keepAlive: options.keepAlive ?? false });
  }

  every(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + ms, seq: this.seq++, fn, everyMs: ms, keepAlive: false });
  }

  /** Timers still scheduled, and how many of them keep the process alive. */
  get pending(): { total: number; keepAlive: number } {
    const all = [...this.scheduled];
    return { total: all.length, keepAlive: all.filter((s) => s.keepAlive).length };
  }

  /** Moves time forward by `ms`, running what falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.scheduled].filter((s) => s.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.time = due.at;
      if (due.everyMs === null) this.scheduled.delete(due);
      else due.at += due.everyMs;
      due.fn();
    }
    this.time = end;
  }

  private add(entry: Scheduled): Cancel {
    this.scheduled.add(entry);
    return () => void this.scheduled.delete(entry);
  }
}
