import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASK, redactText } from '../../../../src/log/logger.js';
import { registerSandboxSecretsIn } from '../../../../src/tools/sandbox/sandboxSecrets.js';

describe('sandbox secrets', () => {
  it("sandbox.json's api_hash, bot token, login code and 2FA password are masked once read", () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-sandbox-secrets-'));
    try {
      // Made-up values no other test registers; none has a shape the redaction knows by itself.
      const secrets = { api_hash: 'abad1dea0000111122223333deadbeef', bot_token: '4242:sandbox-token', login_code: '97531', password: 'sandbox-only-2fa' };
      writeFileSync(
        join(dir, 'sandbox.json'),
        JSON.stringify({
          host: '127.0.0.1',
          port: 47443,
          dc_id: 2,
          api_id: 4,
          api_hash: secrets.api_hash,
          bot_token: secrets.bot_token,
          bot_username: 'courier_bot',
          login_code: secrets.login_code,
          rsa_public_key_pem: '-----BEGIN PUBLIC KEY-----',
          rsa_fingerprint: '-123',
          users: [{ phone: '+9996620003', first_name: 'Carol', user_id: 3, '2fa_password': secrets.password }],
        }),
      );
      const line = Object.values(secrets).join(' | ');
      expect(redactText(line), 'visible before').to.equal(line);
      registerSandboxSecretsIn(dir);
      expect(redactText(line)).to.equal([MASK, MASK, MASK, MASK].join(' | '));
      // A missing sandbox is reported by whoever needs it, not here.
      expect(() => registerSandboxSecretsIn(join(dir, 'missing'))).to.not.throw();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
