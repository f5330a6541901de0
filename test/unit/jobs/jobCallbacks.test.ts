import { expect } from 'chai';
import { decodeCallback } from '../../../src/jobs/actions.js';
import { decodeJobCallback, encodeJobCallback, isJobCallback, JobCallbackError } from '../../../src/jobs/jobCallbacks.js';

describe('job button callback data', () => {
  it('round-trips Cancel and Retry within 64 bytes', () => {
    const jobId = 'A'.repeat(40);
    for (const op of ['cancel', 'retry'] as const) {
      const data = encodeJobCallback({ op, jobId });
      expect(Buffer.byteLength(data)).to.be.at.most(64);
      expect(isJobCallback(data)).to.equal(true);
      expect(decodeJobCallback(data)).to.deep.equal({ op, jobId });
      expect(decodeJobCallback(Buffer.from(data))).to.deep.equal({ op, jobId });
    }
  });

  it('is told apart from media action data', () => {
    expect(isJobCallback('m1|i|abc')).to.equal(false);
    expect(() => decodeCallback(encodeJobCallback({ op: 'cancel', jobId: 'abc' }))).to.throw();
  });

  it('refuses forged or outdated data', () => {
    for (const data of ['j1|x|abc', 'j1|c|', 'j1|c|../x', 'j2|c|abc', 'j1|c|abc|extra', `j1|c|${'a'.repeat(70)}`]) {
      expect(() => decodeJobCallback(data), data).to.throw(JobCallbackError);
    }
    expect(() => encodeJobCallback({ op: 'cancel', jobId: 'a/b' })).to.throw(JobCallbackError);
  });
});
