/**
 * src/telegram/rpc/: what every GramJS caller in Courier shares about sending one MTProto request
 * and reading its answer: the error code of a failed call (this file), the one flood-wait helper
 * (floodWait.ts: how long a FLOOD_WAIT asks for, and the loop that waits it out), the input peer of
 * a chat (inputPeer.ts) and the id of the message a send created (sentMessageId.ts).
 *
 * Invariants: no state and no requests of their own (the loop in floodWait.ts only repeats the
 * call it is given); nothing here imports another sub-room of src/telegram/, so connection/,
 * login/, outbox/ and files/ can all use it without pointing at each other.
 */
import { RPCError } from 'telegram/errors/index.js';

/**
 * The error text of a failed request (e.g. "MESSAGE_NOT_MODIFIED",
 * core.telegram.org/api/errors), or null when it did not fail with an RPC error.
 */
export function rpcErrorCode(err: unknown): string | null {
  return err instanceof RPCError ? err.errorMessage : null;
}
