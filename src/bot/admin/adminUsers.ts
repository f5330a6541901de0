/**
 * Finding a user (by id, or @username through Telegram) and banning or unbanning them. A ban is a
 * column in users read on every update (src/bot/users.ts), so it holds at once and after restarts;
 * banning also cancels the user's jobs that have not ended. Admins cannot be banned.
 */
import type { ChatRef } from '../../domain/chat.js';
import type { Database } from '../../storage/index.js';
import { recordAudit } from '../../storage/bot/auditRepository.js';
import { unfinishedJobsOf } from '../../storage/bot/statsRepository.js';
import { getUser, setBanned } from '../../storage/bot/userRepository.js';
import type { Texts } from '../../texts/index.js';
import type { View } from './adminViews.js';
import { PANEL, utcTime } from './adminViews.js';

export interface UserAdminDeps {
  db: Database;
  admins: readonly string[];
  now: () => number;
  /** contacts.resolveUsername; without it only numeric ids are understood. */
  resolveUsername?: ((username: string) => Promise<ChatRef | null>) | undefined;
  /** Cancels a job as its owner would (the job runner's cancel). */
  cancelJob(jobId: string, ownerId: string): Promise<unknown>;
}

/** "1002", "@carol" or "carol" (a username) -> a user id, or null when nobody has it. */
export async function resolveUserQuery(deps: UserAdminDeps, query: string): Promise<string | null> {
  const q = query.trim();
  if (/^\d{1,20}$/.test(q)) return q;
  const name = q.replace(/^@/, '');
  if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(name) || !deps.resolveUsername) return null;
  const found = await deps.resolveUsername(name);
  return found?.kind === 'user' ? found.id : null;
}

export function userCard(t: Texts, deps: UserAdminDeps, userId: string): View {
  const user = getUser(deps.db, userId);
  const state = !user ? t.userStates.unknown : user.banned ? t.userStates.banned : user.deactivated ? t.userStates.deactivated : user.blocked ? t.userStates.blocked : t.userStates.active;
  const action = user?.banned ? { text: t.adminButtons.unban, data: `${PANEL.unban}${userId}` } : { text: t.adminButtons.ban, data: `${PANEL.ban}${userId}` };
  return {
    text: t.adminUserCard(userId, state, user ? utcTime(user.lastSeen) : '-'),
    buttons: [[action], [{ text: t.adminButtons.back, data: PANEL.home }]],
  };
}

/** Bans or unbans `userId` on behalf of `adminId` (the audit row is keyed by the update). Returns the answer text. */
export async function setBan(t: Texts, deps: UserAdminDeps, adminId: string, userId: string, banned: boolean, origin: string): Promise<string> {
  if (banned && deps.admins.includes(userId)) return t.cannotBanAdmin;
  setBanned(deps.db, userId, banned, deps.now());
  recordAudit(deps.db, { adminId, action: banned ? 'ban' : 'unban', detail: { userId }, at: deps.now() }, origin);
  if (banned) {
    for (const jobId of unfinishedJobsOf(deps.db, userId)) await deps.cancelJob(jobId, userId);
  }
  return banned ? t.banned(userId) : t.unbanned(userId);
}
