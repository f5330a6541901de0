/**
 * How many seconds a failed request asks us to wait, when it failed on a flood limit.
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
