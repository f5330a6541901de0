/**
 * The update loop's sink: turns what the engine dispatched into inbox rows (plain-data Incoming)
 * and stores them with the state that covers them, in one transaction (storeUpdates). Updates the
 * bot does not handle (its own sent messages, read receipts, statuses) become no row, but the
 * state still moves past them in that same transaction.
 *
 * Short updates carry no user object, so the user's language is remembered from the last full
 * message seen (Telegram shares lang_code only in user objects).
 */
import { chatKeyOf } from '../../domain/chat.js';
import { type MediaRef } from '../../domain/media.js';
import { storeUpdates, type InboxEvent } from '../../storage/inboxRepository.js';
import type { PeerCache } from '../../storage/peerCache.js';
import type { Database } from '../../storage/index.js';
import { Api } from 'telegram';
import { entitiesOf, toIncoming, type Entities } from './incoming.js';
import type { GramjsPayload } from './fromGramjs.js';
import type { UpdateSink } from './updateLoop.js';

export interface InboxSinkOptions {
  db: Database;
  peers: PeerCache;
  now?: () => number;
  mediaOf?: (message: Api.Message) => MediaRef | null;
  /** Called after each store with the chats that got rows, so their queues drain. */
  onStored(chatKeys: readonly string[]): void;
}

export function createInboxSink(options: InboxSinkOptions): UpdateSink<GramjsPayload> {
  const now = options.now ?? Date.now;
  const langs = new Map<string, string>();
  return {
    store(dispatch, state) {
      const receivedAt = now();
      const events: InboxEvent[] = [];
      // A page's users and chats are shared by all its updates: build the map once per page.
      let lastUsers: readonly unknown[] | null = null;
      let entities: Entities = new Map();
      for (const d of dispatch) {
        if (d.users !== lastUsers) {
          lastUsers = d.users;
          entities = entitiesOf(d.users, d.chats);
          rememberPeers(options.peers, entities);
        }
        const incoming = toIncoming(d.update, entities, Math.floor(receivedAt / 1000), options.mediaOf ? { mediaOf: options.mediaOf } : {});
        if (!incoming) continue;
        if (incoming.langCode) langs.set(incoming.senderId, incoming.langCode);
        else {
          const known = langs.get(incoming.senderId);
          if (known) incoming.langCode = known;
        }
        if (incoming.chat.accessHash === undefined && incoming.chat.kind !== 'chat') {
          const stored = options.peers.accessHash(incoming.chat.kind, incoming.chat.id);
          if (stored !== undefined) incoming.chat.accessHash = stored;
        }
        events.push({
          updateKey: incoming.updateKey,
          chatKey: chatKeyOf(incoming.chat),
          kind: incoming.kind,
          payload: incoming,
          sentAt: incoming.date,
          receivedAt,
          recovered: d.source === 'difference',
        });
      }
      const { inserted } = storeUpdates(options.db, events, { ...state, channels: { ...state.channels } });
      if (events.length > 0) options.onStored([...new Set(events.map((e) => e.chatKey))]);
      // Copies collapse on update_key; a recovered copy of a stored live update is not new work.
      return Math.min(inserted, events.filter((e) => e.recovered).length);
    },
  };
}

function rememberPeers(peers: PeerCache, entities: Entities): void {
  for (const entity of entities.values()) {
    if (entity instanceof Api.User && entity.accessHash !== undefined && !entity.min) peers.remember('user', entity.id.toString(), entity.accessHash.toString());
    if (entity instanceof Api.Channel && entity.accessHash !== undefined && !entity.min) peers.remember('channel', entity.id.toString(), entity.accessHash.toString());
  }
}
