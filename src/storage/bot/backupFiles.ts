/**
 * The backups folder as the admin panel lists it. The backups themselves are written by the
 * schedule and by "Back up now", both through src/ops/backups.ts.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
