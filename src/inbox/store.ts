/**
 * The inbox's store: what the update sink calls to put updates in the inbox. It writes the rows
 * and the update state that covers them in one transaction (inboxRepository.storeUpdates), and
 * only after that commit tells the queue which chats have work. The sink (src/telegram/updates/
 * inboxSink.ts) sees only this port, never the inbox's tables.
 */
import type { Database } from '../storage/index.js';
import { pendingChats, storeUpdates, type InboxEvent, type StoreResult } from '../storage/inboxRepository.js';
import type { UpdateState } from '../storage/updateStateRepository.js';

export interface InboxStore {
  /**
   * Stores `events` (in order) and the state reached after them in ONE transaction, then notifies
   * the chats that got events. Synchronous on purpose: the update loop must not await between
   * the engine's decision and the write, or the stored state could run ahead of the stored rows.
   */
  storeUpdates(events: readonly InboxEvent[], stateAfter: UpdateState): StoreResult;
  /** Chats with pending rows, the one waiting longest first. */
  pendingChats(): string[];
}

export interface InboxStoreOptions {
  db: Database;
  /** Chats that just got rows (after the commit): the queue drains them. */
  onStored(chatKeys: readonly string[]): void;
}

export function createInboxStore(options: InboxStoreOptions): InboxStore {
  return {
    storeUpdates(events, stateAfter) {
      const result = storeUpdates(options.db, events, stateAfter);
      // Duplicates too: notifying a chat with nothing pending costs one empty drain.
      if (events.length > 0) options.onStored([...new Set(events.map((e) => e.chatKey))]);
      return result;
    },
    pendingChats: () => pendingChats(options.db),
  };
}
