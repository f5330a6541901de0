/**
 * The World: everything the rpc/ handlers and the emulator's composition (../index.ts) see of the
 * world half. A type-only module so rpc/ does not depend on how openWorld wires the parts.
 */
import type { Api } from 'telegram';
import type { AuthKeyStore, Delivery } from '../contract.js';
import type { CallbackQueries, Schedule } from './callbacks.js';
import type { Chats, PeerRef, UserDirectory } from './chats.js';
import type { Db } from './db.js';
import type { Differences } from './difference.js';
import type { WorldFaults } from './faults.js';
import type { MessageStore } from './messageStore.js';
import type { Messaging, SendInput } from './messages.js';
import type { KeyDirectory, LivePush, UpdateLog } from './updates.js';

/** Limits of the modelled Telegram (api/bots limits; callback answer timeout). */
export interface Limits {
  /** false turns every flood limit off, so a benchmark can measure without them. */
  enabled?: boolean;
  /** A user's getBotCallbackAnswer fails with BOT_RESPONSE_TIMEOUT after this long. */
  callbackTimeoutMs: number;
  /** Bots: messages per second overall (Telegram: about 30). */
  botMessagesPerSecond: number;
  /** Bots: messages per second to one chat (Telegram: about 1, short bursts allowed). */
  botMessagesPerChatPerSecond: number;
  botChatBurst: number;
  /** Bots: messages per minute to one group (Telegram: about 20). */
  botMessagesPerGroupPerMinute: number;
  /**
   * The most parts one uploaded file may have (help.getAppConfig's upload_max_fileparts_default;
   * Telegram: 4000 of 512 KiB). Read on every call, so a test may change it on a running world.
   * Unset: 4000.
   */
  uploadMaxFileparts?: number;
  /** The same for Premium users (upload_max_fileparts_premium; Telegram: 8000). Listed only: no account is Premium here. Unset: 8000. */
  uploadMaxFilepartsPremium?: number;
}

export const DEFAULT_LIMITS: Limits = {
  callbackTimeoutMs: 5000,
  botMessagesPerSecond: 30,
  botMessagesPerChatPerSecond: 1,
  botChatBurst: 3,
  botMessagesPerGroupPerMinute: 20,
  uploadMaxFileparts: 4000,
  uploadMaxFilepartsPremium: 8000,
};

/** What seedSandbox() returns; also written to DATA_DIR/sandbox.json by the emulator. */
export interface SandboxSeed {
  api_id: number;
  api_hash: string;
  bot_token: string;
  bot_username: string;
  bot_user_id: number;
  login_code: string;
  users: { phone: string; first_name: string; user_id: number; '2fa_password'?: string }[];
  group_id: number;
  supergroup_id: number;
}

export interface World {
  readonly db: Db;
  /** Milliseconds since the epoch, the world's time. */
  readonly nowMs: () => number;
  readonly schedule: Schedule;
  readonly limits: Limits;
  readonly authKeys: AuthKeyStore & KeyDirectory;
  readonly users: UserDirectory;
  readonly chats: Chats;
  readonly store: MessageStore;
  readonly messages: Messaging;
  readonly updates: UpdateLog;
  readonly push: LivePush;
  readonly differences: Differences;
  readonly callbacks: CallbackQueries;
  readonly faults: WorldFaults;
  /** Turns an uploaded or existing file (InputMedia) into the media of a message. */
  resolveMedia(ownerId: number, media: Api.TypeInputMedia): Api.TypeMessageMedia;
  attachDelivery(d: Delivery): void;
  seedSandbox(): SandboxSeed;
  sendMessageAs(fromUserId: number, peer: PeerRef, text: string, opts?: Omit<SendInput, 'text'>): Api.TypeUpdates;
  close(): void;
}
