import { expect } from 'chai';
import { decodeFailure, encodeFailure, isRemoteProgress, parseRemoteJobData, queueJobId, RemoteJobDataError } from '../../../../src/jobs/backends/remoteProtocol.js';

describe('remote job protocol', () => {
  const data = {
    v: 1,
    jobId: 'abc_DEF-123',
    chat: { kind: 'user', id: '7', accessHash: '99' },
    sourceMessageId: 42,
    source: { kind: 'link', url: 'https://example.com/a.mp4' },
    request: { action: 'convert', option: 'mp4' },
    deadline: 1,
    maxFileBytes: 10,
    maxDurationSeconds: 60,
  };

  it('reads the data a service wrote, and refuses a shape it does not know with a named error', () => {
    expect(parseRemoteJobData(data)).to.deep.equal(data);
    const asFile = { ...data, request: { action: 'compress', option: '480p', videoAs: 'file' } };
    expect(parseRemoteJobData(asFile), 'the worker sends the video as the user asked').to.deep.equal(asFile);
    expect(() => parseRemoteJobData({ ...data, v: 2 })).to.throw(RemoteJobDataError, /same Courier version/);
    expect(() => parseRemoteJobData({ ...data, jobId: '../x' })).to.throw(RemoteJobDataError);
  });

  it('carries the user’s language for the Info answer, and still reads data from a service that sent none', () => {
    expect(parseRemoteJobData({ ...data, lang: 'fa' }).lang).to.equal('fa');
    expect(parseRemoteJobData(data)).to.not.have.property('lang');
  });

  it('names one BullMQ job per attempt', () => {
    expect(queueJobId('abc', 1)).to.equal('abc.a1');
    expect(queueJobId('abc', 2)).not.to.equal(queueJobId('abc', 1));
  });

  it('carries a JobError through the failed reason, and reads anything else as a retryable INTERNAL', () => {
    const wire = { reason: 'CORRUPT_MEDIA' as const, message: 'moov atom not found', retryable: false };
    expect(decodeFailure(encodeFailure(wire))).to.deep.equal(wire);
    expect(decodeFailure('job stalled more than allowable limit')).to.include({ reason: 'INTERNAL', retryable: true });
    expect(decodeFailure(undefined).message).to.match(/no reason given/);
    expect(decodeFailure('courier-job-error:{not json').reason).to.equal('INTERNAL');
  });

  it('accepts only well-formed progress reports', () => {
    expect(isRemoteProgress({ stage: 'processing', percent: 3 })).to.equal(true);
    expect(isRemoteProgress({ stage: 'done', percent: 3 })).to.equal(false);
    expect(isRemoteProgress(42)).to.equal(false);
  });
});
