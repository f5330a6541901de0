/**
 * Telegram refused to deliver to a user for good (core.telegram.org/method/messages.sendMessage):
 * they blocked the bot (USER_IS_BLOCKED) or deleted their account (INPUT_USER_DEACTIVATED,
 * USER_DEACTIVATED). The BotPort turns those RPC errors into these classes, so the bot can mark
 * the user and skip them (broadcasts) instead of retrying a send that can never succeed.
 */
export class RecipientBlockedError extends Error {
  constructor(readonly userId: string) {
    super(`User ${userId} blocked the bot (USER_IS_BLOCKED): nothing can be sent to them until they unblock it and write again.`);
    this.name = 'RecipientBlockedError';
  }
}

export class RecipientDeactivatedError extends Error {
  constructor(readonly userId: string) {
    super(`User ${userId} deleted their account (INPUT_USER_DEACTIVATED): nothing can be sent to them any more.`);
    this.name = 'RecipientDeactivatedError';
  }
}

/** 'blocked', 'deactivated', or null for any other error. */
export function unreachableReason(err: unknown): 'blocked' | 'deactivated' | null {
  if (err instanceof RecipientBlockedError) return 'blocked';
  if (err instanceof RecipientDeactivatedError) return 'deactivated';
  return null;
}
