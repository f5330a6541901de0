/**
 * The backups folder as the admin panel lists it, and "Back up now": a copy written by
 * backupDatabase (../backup.ts) under a time-stamped name, with kv 'ops.lastBackupAt' set. The
 * backup schedule (src/ops) writes the same folder and key.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { backupDatabase } from '../backup.js';
import { createKvRepository } from '../kvRepository.js';

export interface BackupFileInfo {
  name: string;
  bytes: number;
  modifiedAt: number;
}

/** The .db files in `dir`, newest first; empty when the folder does not exist. */
export function listBackupFiles(dir: string): BackupFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.db'));
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const s = statSync(join(dir, name));
      return { name, bytes: s.size, modifiedAt: s.mtimeMs };
    })
    .sort((a, b) => b.modifiedAt - a.modifiedAt);
}

/** Writes courier-<UTC stamp>.db into `dir` and records the time; returns the file name. */
export function backUpInto(db: Database, dir: string, now: number): string {
  const name = `courier-${new Date(now).toISOString().replace(/[:.]/g, '-')}.db`;
  backupDatabase(db, join(dir, name));
  createKvRepository(db).set('ops.lastBackupAt', String(now));
  return name;
}
