/**
 * The sandbox's login material (sandbox.json: api_hash, bot token, login code, 2FA passwords) is
 * registered for redaction in every process that reads it: the sandbox chat, and Courier started
 * with --sandbox DIR. They are throwaway values of a local emulator, but a log that masks the real
 * api_hash and shows the sandbox's would teach nobody to trust its masking.
 *
 * The file is read here as plain JSON, not through telegram/connection/sandbox.ts: that module
 * loads GramJS's connection classes, which must not be the first part of GramJS a process loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '../../log/logger.js';
import type { SandboxDescription } from '../../telegram/connection/sandbox.js';

type LoginMaterial = Partial<Pick<SandboxDescription, 'api_hash' | 'bot_token' | 'login_code' | 'users'>>;

export function registerSandboxSecrets(sandbox: LoginMaterial): void {
  const passwords = Array.isArray(sandbox.users) ? sandbox.users.map((u) => u?.['2fa_password']) : [];
  for (const secret of [sandbox.api_hash, sandbox.bot_token, sandbox.login_code, ...passwords]) {
    if (typeof secret === 'string') registerSecret(secret);
  }
}

/** registerSandboxSecrets from DIR/sandbox.json; a missing or broken file is left to whoever needs it to report. */
export function registerSandboxSecretsIn(dir: string | null | undefined): void {
  if (!dir) return;
  let description: unknown;
  try {
    description = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
  } catch {
    return;
  }
  if (typeof description === 'object' && description !== null) registerSandboxSecrets(description as LoginMaterial);
}
