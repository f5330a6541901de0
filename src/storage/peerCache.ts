/**
 * Access hashes of the users and channels Courier has met, kept across restarts.
 *
 * Why: Telegram refuses a user or channel named without the access_hash it gave this account,
 * and GramJS keeps its entity cache in memory only. After a restart Courier still has to fetch a
 * channel's difference (updates.getChannelDifference needs an InputChannel) and alert admins who
 * have not written since. Stored in the kv table as "peer:<kind>:<id>".
 */
import type { Database } from 'better-sqlite3';
import { createKvRepository } from './kvRepository.js';

export interface PeerCache {
  remember(kind: 'user' | 'channel', id: string, accessHash: string): void;
  accessHash(kind: 'user' | 'channel', id: string): string | undefined;
}

export function createPeerCache(db: Database): PeerCache {
  const kv = createKvRepository(db);
  // Avoid a write per message: most messages come from peers already stored.
  const known = new Map<string, string>();
  return {
    remember(kind, id, accessHash) {
      const key = `peer:${kind}:${id}`;
      if (known.get(key) === accessHash) return;
      if (kv.get(key) !== accessHash) kv.set(key, accessHash);
      known.set(key, accessHash);
    },
    accessHash(kind, id) {
      const key = `peer:${kind}:${id}`;
      const hash = known.get(key) ?? kv.get(key);
      if (hash !== undefined) known.set(key, hash);
      return hash;
    },
  };
}
