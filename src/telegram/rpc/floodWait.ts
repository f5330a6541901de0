/**
 * Courier's one flood-wait helper: how many seconds a failed request asks us to wait
 * (floodWaitSeconds), and the loop that waits that long and repeats the request (withFloodWait).
 *
 * GramJS turns FLOOD_WAIT_X and FLOOD_PREMIUM_WAIT_X into FloodWaitError, whose errorMessage is
 * the bare "FLOOD" and whose `seconds` carries X (telegram/errors/RPCErrorList). A raw RPCError, or
 * an error from a test double, may still carry the server's text "FLOOD_WAIT_X" in errorMessage
 * (core.telegram.org/api/errors#420-flood), so both shapes are read.
 */
import { FloodWaitError } from 'telegram/errors/index.js';

const FLOOD_TEXT = /^FLOOD_(?:PREMIUM_)?WAIT_(\d+)$/;

export function floodWaitSeconds(err: unknown): number | null {
  if (err instanceof FloodWaitError) return err.seconds;
  if (typeof err !== 'object' || err === null) return null;
  const text = (err as { errorMessage?: unknown }).errorMessage;
  if (typeof text !== 'string') return null;
  const match = FLOOD_TEXT.exec(text);
  return match ? Number(match[1]) : null;
}

export interface FloodWaitOptions {
  /** A FLOOD_WAIT longer than this goes to the caller instead of being waited out. */
  maxWaitSeconds: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Once aborted, a FLOOD_WAIT goes to the caller. */
  signal?: AbortSignal;
}

/**
 * Runs `call`, waiting out FLOOD_WAITs up to `maxWaitSeconds` and repeating it; a longer one, or
 * any other error, goes to the caller. The request must be safe to repeat (a random_id makes it so).
 */
export async function withFloodWait<T>(call: () => Promise<T>, options: FloodWaitOptions): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const seconds = floodWaitSeconds(err);
      if (seconds !== null && seconds <= options.maxWaitSeconds && !options.signal?.aborted) {
        await options.sleep(seconds * 1000, options.signal);
        continue;
      }
      throw err;
    }
  }
}
