/**
 * Polls (on the event loop, no fixed sleep) until `check` holds. The bound is time, not turns: the
 * code under test waits on real file-system calls, which a busy machine answers after many turns.
 */
export async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting until ${what}`);
}
