/**
 * Fixes in the pinned GramJS (telegram 2.26.22) that Courier cannot do without. Applied once, when
 * the first client is built; each says what breaks without it.
 *
 * 1. A container whose first rpc_result is an error loses the results after it. GramJS's
 *    _handleRPCResult rejects the failed request and then re-throws, and _handleContainer processes
 *    the container's messages in a plain loop, so the throw skips every later message: those
 *    requests never settle. Telegram packs several results into one container routinely; after a
 *    restart Courier re-sends replies (RANDOM_ID_DUPLICATE, by design) next to updates.getDifference
 *    and the difference never came back. The patch handles every inner message and re-throws the
 *    first error afterwards, so the receive loop still sees it (it acts on AUTH_KEY_UNREGISTERED).
 */
import { MTProtoSender } from 'telegram/network/index.js';

interface ContainerMessage {
  obj: { messages: unknown[] };
}
interface PatchableSender {
  _processMessage(message: unknown): Promise<void>;
  _handleContainer(message: ContainerMessage): Promise<void>;
}

let applied = false;

export function applyGramjsPatches(): void {
  if (applied) return;
  applied = true;
  const proto = MTProtoSender.prototype as unknown as PatchableSender;
  if (typeof proto._handleContainer !== 'function' || typeof proto._processMessage !== 'function') {
    throw new Error('GramJS internals changed (MTProtoSender._handleContainer): re-check src/telegram/connection/gramjsPatches.ts against the pinned version.');
  }
  proto._handleContainer = async function handleContainer(this: PatchableSender, message: ContainerMessage): Promise<void> {
    let first: unknown = null;
    for (const inner of message.obj.messages) {
      try {
        await this._processMessage(inner);
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== null) throw first;
  };
}
