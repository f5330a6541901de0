/**
 * What the load bench reads of Courier's process from outside, the way an operator's monitoring
 * would: resident memory (now and the kernel's peak, VmHWM) and CPU seconds, from /proc (Linux
 * only; elsewhere every figure is null), and the event-loop delay from Courier's /metrics.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

export interface ProcessFigures {
  rssMb: number | null;
  peakRssMb: number | null;
  cpuSeconds: number | null;
}

function statusKb(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

export function readProcessFigures(pid: number): ProcessFigures {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // Fields after the command name, which may hold spaces: split after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime: fields 14 and 15 of stat(5)
    const rss = statusKb(status, 'VmRSS');
    const hwm = statusKb(status, 'VmHWM');
    return { rssMb: rss === null ? null : rss / 1024, peakRssMb: hwm === null ? null : hwm / 1024, cpuSeconds: Number.isFinite(ticks) ? ticks / USER_HZ : null };
  } catch {
    return { rssMb: null, peakRssMb: null, cpuSeconds: null };
  }
}

/**
 * The p99 event-loop delay (ms) in a Prometheus text page: prom-client's default
 * nodejs_eventloop_lag_p99_seconds, measured since the previous scrape (it resets its histogram
 * on each collection), so samples taken every few seconds show a trend. Null when absent.
 */
export function eventLoopP99MsOf(page: string): number | null {
  const match = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(page);
  if (!match) return null;
  const seconds = Number(match[1]);
  return Number.isFinite(seconds) ? seconds * 1000 : null;
}

/** Scrapes `url` (Courier's /metrics) for eventLoopP99MsOf; null when it cannot be read. */
export async function scrapeEventLoopP99Ms(url: string, fetchPage: (url: string) => Promise<string> = async (u) => (await fetch(u)).text()): Promise<number | null> {
  try {
    return eventLoopP99MsOf(await fetchPage(url));
  } catch {
    return null;
  }
}
