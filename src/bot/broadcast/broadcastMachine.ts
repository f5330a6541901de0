/**
 * The broadcast state machine, pure: which admin command moves a broadcast where, when it is
 * finished, what each recipient's send outcome means, and which buttons its progress message
 * shows. The runner (broadcastRunner.ts) does the I/O and asks this file every decision.
 *
 *   running --pause--> paused --resume--> running
 *   running | paused --cancel--> cancelled            (recipients still pending stay unsent)
 *   running --no recipient pending--> done
 *   done and cancelled are final: every command on them is refused.
 *
 * A recipient's outcome: sent (also when Telegram reports the random_id as used: an earlier
 * attempt got through before a crash), blocked or deactivated (final, and the user is marked so
 * that the next broadcast skips them), failed (an RPC error Telegram will give again), or
 * `retry` for a transient error (network, the outbox stopping for shutdown): the row stays
 * pending and is tried again, at most MAX_TRANSIENT_ATTEMPTS times in one run.
 */
import type { BroadcastState, RecipientOutcome, Tally } from '../../storage/bot/broadcastRepository.js';
import { unreachableReason } from '../../domain/recipientErrors.js';

export type BroadcastCommand = 'pause' | 'resume' | 'cancel';

export const MAX_TRANSIENT_ATTEMPTS = 5;

/** The state after `command`, or null when the command does not apply (refused, nothing changes). */
export function applyCommand(state: BroadcastState, command: BroadcastCommand): BroadcastState | null {
  if (state === 'done' || state === 'cancelled') return null;
  if (command === 'cancel') return 'cancelled';
  if (command === 'pause') return state === 'running' ? 'paused' : null;
  return state === 'paused' ? 'running' : null;
}

/** A running broadcast with nobody left pending is done. */
export function isFinished(state: BroadcastState, tally: Tally): boolean {
  return state === 'running' && tally.pending === 0;
}

export type SendVerdict = Exclude<RecipientOutcome, 'pending'> | 'retry';

/**
 * What a send's error means. `rpcCode` is the RPC error's HTTP-like code when it was one (400,
 * 403...: Telegram refused this request for good), undefined for anything else.
 */
export function verdictOf(err: unknown, attempts: number): SendVerdict {
  const unreachable = unreachableReason(err);
  if (unreachable) return unreachable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code >= 400 && code < 500 && code !== 420) return 'failed';
  return attempts >= MAX_TRANSIENT_ATTEMPTS ? 'failed' : 'retry';
}

/** The buttons under the progress message, as commands. */
export function commandsFor(state: BroadcastState): BroadcastCommand[] {
  if (state === 'running') return ['pause', 'cancel'];
  if (state === 'paused') return ['resume', 'cancel'];
  return [];
}
