/**
 * The sandbox's starting population. The accounts side creates the registered app, the bot
 * "courier_sandbox_bot" and the users (one with a 2FA password); this module adds one basic group
 * and one supergroup holding the bot and every user. Idempotent: the chats are found by title on
 * later calls, so a restarted emulator returns the same ids.
 */
import type { Chats } from './chats.js';
import type { SandboxSeed } from './world.js';

export type AccountsSeed = Omit<SandboxSeed, 'group_id' | 'supergroup_id'>;

export const SANDBOX_GROUP_TITLE = 'Courier sandbox group';
export const SANDBOX_SUPERGROUP_TITLE = 'Courier sandbox supergroup';

export function seedSandboxChats(chats: Chats, accounts: AccountsSeed): SandboxSeed {
  const creator = accounts.users[0]?.user_id ?? accounts.bot_user_id;
  const members = [accounts.bot_user_id, ...accounts.users.map((u) => u.user_id)];
  const group = chats.findByTitle('chat', SANDBOX_GROUP_TITLE)?.id ?? chats.createGroup(SANDBOX_GROUP_TITLE, creator, members);
  const supergroup = chats.findByTitle('channel', SANDBOX_SUPERGROUP_TITLE)?.id ?? chats.createSupergroup(SANDBOX_SUPERGROUP_TITLE, creator, members);
  // Members added since the first seed (a new sandbox user) join both chats.
  for (const id of members) {
    chats.addMember(group, id);
    chats.addMember(supergroup, id);
  }
  return { ...accounts, group_id: group, supergroup_id: supergroup };
}
