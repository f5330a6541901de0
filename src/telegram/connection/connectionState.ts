/**
 * Whether a GramJS client's connection is up right now. `client.connected` is not it: it stays
 * true while GramJS reconnects on its own (it says the *user* asked to be connected). The sender's
 * transport state is (MTProtoSender._transportConnected: not reconnecting, and the socket's
 * Connection connected), read here through a narrow view of the pinned GramJS's internals; if a
 * later GramJS drops it, `client.connected` is the fallback.
 */
import type { TelegramClient } from 'telegram';

interface SenderView {
  _transportConnected?: () => unknown;
}

export function isTransportConnected(client: TelegramClient): boolean {
  const sender = (client as unknown as { _sender?: SenderView })._sender;
  if (!client.connected || !sender) return false;
  return typeof sender._transportConnected === 'function' ? Boolean(sender._transportConnected()) : true;
}
