import { expect } from 'chai';
import { Api } from 'telegram';
import { openFixture } from './fixture.js';

describe('emulator accounts side: users and the sandbox seed', function () {
  this.timeout(20_000);

  it('seeds the app, the bot and three users (one with 2FA) idempotently, across reopening', () => {
    const f = openFixture();
    try {
      const first = f.seed;
      expect(first.bot_username).to.equal('courier_sandbox_bot');
      expect(first.bot_token).to.match(new RegExp(`^${first.bot_user_id}:[A-Za-z0-9_-]{35}$`));
      expect(first.login_code).to.equal('22222');
      expect(first.api_hash).to.match(/^[0-9a-f]{32}$/);
      expect(first.users).to.have.length(3);
      expect(first.users.filter((u) => u['2fa_password'])).to.have.length(1);
      for (const u of first.users) expect(u.phone).to.match(/^\+99966\d+$/);
      expect(f.world.seedSandbox()).to.deep.equal(first);
      f.reopen();
      expect(f.seed).to.deep.equal(first);
    } finally {
      f.close();
    }
  });

  it('shows a user to itself with phone and self, to others without', () => {
    const f = openFixture();
    try {
      const [a, b] = f.seed.users;
      const self = f.world.users.toApiUser(a!.user_id, a!.user_id) as Api.User;
      const seen = f.world.users.toApiUser(a!.user_id, b!.user_id) as Api.User;
      expect(self.self).to.equal(true);
      expect(self.phone).to.equal(a!.phone.slice(1));
      expect(seen.self).to.equal(false);
      expect(seen.phone).to.equal(undefined);
      expect(seen.accessHash!.toString()).to.equal(self.accessHash!.toString());
      const bot = f.world.users.toApiUser(f.seed.bot_user_id, a!.user_id) as Api.User;
      expect(bot.bot).to.equal(true);
      expect(bot.botInfoVersion).to.equal(1);
      expect(f.world.users.isBot(f.seed.bot_user_id)).to.equal(true);
      expect(f.world.users.isBot(a!.user_id)).to.equal(false);
      expect(f.world.users.exists(123)).to.equal(false);
      expect(f.world.users.toApiUser(123, a!.user_id)).to.be.instanceOf(Api.UserEmpty);
    } finally {
      f.close();
    }
  });
});
