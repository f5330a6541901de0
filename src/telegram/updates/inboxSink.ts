/**
 * The update loop's sink: turns what the engine dispatched into inbox rows (plain-data Incoming)
 * and hands them, with the state that covers them, to the inbox's store, which writes both in one
 * transaction. Updates the bot does not handle (its own sent messages, read receipts, statuses)
 * become no row, but the state still moves past them in that same transaction.
 *
 * The GramJS-to-plain-data half lives here (GramJS stays in src/telegram/); the storing is the
 * inbox's (src/inbox/store.ts), seen only through InboxStorePort: this file knows the shape of a
 * row, not the tables, and the inbox is told about new rows by its own store.
 *
 * Short updates carry no user object, so the user's language is remembered from the last full
 * message seen (Telegram shares lang_code only in user objects).
 */
import { chatKeyOf } from '../../domain/chat.js';
import { type MediaRef } from '../../domain/media.js';
import type { InboxEvent, StoreResult } from '../../storage/inboxRepository.js';
import type { PeerCache } from '../../storage/peerCache.js';
import type { UpdateState } from '../../storage/updateStateRepository.js';
import { Api } from 'telegram';
import { entitiesOf, toIncoming, type Entities } from './incoming.js';
import type { GramjsPayload } from './fromGramjs.js';
import type { UpdateSink } from './loopContract.js';

/** What the sink needs of the inbox: src/inbox/store.ts implements it, app.ts wires it in. */
export interface InboxStorePort {
  /**
   * Stores the rows (in order) and the state reached after them in ONE transaction, then lets the
   * inbox drain the chats that got rows. Synchronous: nothing may be awaited between the engine's
   * decision and this write.
   */
  storeUpdates(events: readonly InboxEvent[], stateAfter: UpdateState): StoreResult;
}

export interface InboxSinkOptions {
  inbox: InboxStorePort;
  peers: PeerCache;
  now?: () => number;
  mediaOf?: (message: Api.Message) => MediaRef | null;
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
      const { inserted } = options.inbox.storeUpdates(events, { ...state, channels: { ...state.channels } });
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
