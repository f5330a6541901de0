/** The admin audit trail: who did what, when. Written once per update (origin), so a re-handled press logs once. */
import type { Database } from 'better-sqlite3';

export interface AuditEntry {
  adminId: string;
  action: string;
  detail: Record<string, unknown>;
  at: number;
}

export function recordAudit(db: Database, entry: AuditEntry, origin: string): void {
  db.prepare('INSERT INTO admin_audit (admin_id, action, detail, at, origin) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING').run(
    entry.adminId,
    entry.action,
    JSON.stringify(entry.detail),
    entry.at,
    origin,
  );
}

export function recentAudit(db: Database, limit = 20): AuditEntry[] {
  return db
    .prepare<[number], { admin_id: string; action: string; detail: string; at: number }>('SELECT admin_id, action, detail, at FROM admin_audit ORDER BY id DESC LIMIT ?')
    .all(limit)
    .map((r) => ({ adminId: r.admin_id, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown>, at: r.at }));
}
