import { expect } from 'chai';
import { Api } from 'telegram';
import { computeCheck } from 'telegram/Password.js';
import { createSrpChallenge, createSrpSecret, SRP_G, SRP_PRIME, to256, verifySrpProof } from '../../../../src/emulator/world/accountsSide/srp.js';
import { long } from '../../../../src/emulator/world/db.js';

describe('emulator accounts side: SRP', function () {
  this.timeout(20_000);
  const secret = createSrpSecret('hunter2 correct horse');

  const clientProof = async (password: string) => {
    const challenge = createSrpChallenge(secret.verifier);
    const offer = new Api.account.Password({
      hasPassword: true,
      currentAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1: secret.salt1, salt2: secret.salt2, g: SRP_G, p: SRP_PRIME }),
      srp_B: challenge.B,
      srpId: long(1),
      newAlgo: new Api.PasswordKdfAlgoUnknown(),
      newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
      secureRandom: Buffer.alloc(0),
    });
    const check = (await computeCheck(offer, password)) as Api.InputCheckPasswordSRP;
    return { challenge, check };
  };

  it("accepts GramJS's proof for the right password and refuses a wrong one", async () => {
    const right = await clientProof('hunter2 correct horse');
    expect(verifySrpProof(secret, right.challenge, right.check.A, right.check.M1)).to.equal(true);
    const wrong = await clientProof('hunter3');
    expect(verifySrpProof(secret, wrong.challenge, wrong.check.A, wrong.check.M1)).to.equal(false);
  });

  it('refuses a proof replayed against a new challenge and degenerate A values', async () => {
    const { check } = await clientProof('hunter2 correct horse');
    expect(verifySrpProof(secret, createSrpChallenge(secret.verifier), check.A, check.M1)).to.equal(false);
    const challenge = createSrpChallenge(secret.verifier);
    expect(verifySrpProof(secret, challenge, to256(0n), check.M1)).to.equal(false);
    expect(verifySrpProof(secret, challenge, SRP_PRIME, check.M1)).to.equal(false);
  });
});
