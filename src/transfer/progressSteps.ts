/**
 * Progress of a transfer, reported when its whole percent changes (at most 101 calls), never
 * on a timer. A time throttle here dropped the state after a burst: a window of parts confirmed
 * together was shown at its first part, and the rest stayed unseen until the next confirmation,
 * which could be a whole stalled round later. How often a person sees a figure is the caller's
 * choice (the job runner edits status messages at most every jobs.progressIntervalMs).
 */
export interface ProgressSteps {
  /** Records `doneBytes`; calls the reporter when the whole percent moved (or `force`). */
  update(doneBytes: number, force?: boolean): void;
}

export function progressSteps(totalBytes: number, report: ((doneBytes: number) => void) | undefined): ProgressSteps {
  let lastPercent = -1;
  return {
    update(doneBytes, force = false) {
      if (!report) return;
      const percent = totalBytes > 0 ? Math.floor((doneBytes / totalBytes) * 100) : 100;
      if (!force && percent === lastPercent) return;
      lastPercent = percent;
      report(doneBytes);
    },
  };
}
