/** Small named values (text) that need no table of their own: the kv table of 001-core. */
import type { Database } from 'better-sqlite3';

export interface KvRepository {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  /** True when the key existed. */
  delete(key: string): boolean;
}

export function createKvRepository(db: Database, now: () => number = Date.now): KvRepository {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const upsert = db.prepare<[string, string, number]>(
    'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  return {
    get: (key) => select.get(key)?.value,
    set: (key, value) => void upsert.run(key, value, now()),
    delete: (key) => remove.run(key).changes > 0,
  };
}
