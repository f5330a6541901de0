import { expect } from 'chai';
import { decodeJobCallback } from '../../../../src/jobs/jobCallbacks.js';
import { langFor, texts, textsFor } from '../../../../src/texts/index.js';
import { REASON_CODES } from '../../../../src/domain/jobError.js';
import { type JobState } from '../../../../src/domain/job.js';
import { statusButtons, statusText } from '../../../../src/jobs/runner/statusMessages.js';

const base = { id: 'j1', progress: 42.7, failure: null, attempts: 1, maxAttempts: 3 };

describe('job status texts', () => {
  it('shows the phase and the whole percent while running, with Cancel', () => {
    const texts = textsFor('en');
    for (const [state, label] of [['downloading', 'Downloading'], ['processing', 'Processing'], ['uploading', 'Uploading']] as const) {
      expect(statusText(texts, { ...base, state })).to.equal(`${label}… 42%`);
      const [[button]] = statusButtons(texts, { ...base, state }) as [[{ text: string; data: string }]];
      expect(decodeJobCallback(button.data)).to.deep.equal({ op: 'cancel', jobId: 'j1' });
    }
  });

  it('offers Retry only for a retryable failure with attempts left', () => {
    const texts = textsFor('fa');
    const failed = { ...base, state: 'failed' as JobState, failure: { reason: 'TIMEOUT' as const, retryable: true, message: '' } };
    expect(statusText(texts, failed)).to.equal(`ناموفق بود. ${texts.reasons.TIMEOUT}`);
    expect(statusButtons(texts, failed)[0]?.[0]?.text).to.equal('تلاش دوباره');
    expect(statusButtons(texts, { ...failed, attempts: 3 })).to.deep.equal([]);
    expect(statusButtons(texts, { ...failed, failure: { ...failed.failure, retryable: false } })).to.deep.equal([]);
    expect(statusButtons(texts, { ...base, state: 'done' })).to.deep.equal([]);
  });

  it("names a refused link's rule and address in the user's language, the address isolated in Persian", () => {
    // The guard's own message (src/transfer/linkGuard.ts) for a loopback link.
    const message = 'The link was refused: loopback addresses are not allowed: 127.0.0.1 (host 127.0.0.1). Only public http(s) addresses can be downloaded.';
    const failure = { reason: 'LINK_REFUSED' as const, retryable: false, message };
    const job = { ...base, state: 'failed' as JobState, failure };
    expect(statusText(textsFor('en'), job)).to.equal(`Failed. ${texts.en.reasons.LINK_REFUSED} [not a public internet address: 127.0.0.1]`);
    expect(statusText(textsFor('fa'), job)).to.equal(`ناموفق بود. ${texts.fa.reasons.LINK_REFUSED} [نشانی عمومی اینترنت نیست: \u2068127.0.0.1\u2069]`);
    expect(statusText(textsFor('ru'), job)).to.equal(`${texts.ru.failed(texts.ru.reasons.LINK_REFUSED)} [не публичный адрес в интернете: 127.0.0.1]`);
    const redirects = { ...failure, message: 'The link was refused: more than 5 redirects.' };
    expect(statusText(textsFor('ru'), { ...job, failure: redirects })).to.equal(`${texts.ru.failed(texts.ru.reasons.LINK_REFUSED)} [слишком много перенаправлений]`);
    // A message it cannot read shows the reason alone, never English words.
    expect(statusText(textsFor('fa'), { ...job, failure: { ...failure, message: 'something else' } })).to.equal(texts.fa.failed(texts.fa.reasons.LINK_REFUSED));
    expect(statusText(textsFor('ru'), { ...base, state: 'queued' }, 2)).to.equal('В очереди: перед этой задачей ещё 2 ваши задачи.');
  });

  it('has a plain-words reason for every code in every language, and falls back to English', () => {
    for (const lang of ['en', 'fa', 'ru'] as const) {
      for (const code of REASON_CODES) expect(texts[lang].reasons[code], `${lang} ${code}`).to.be.a('string').and.not.equal('');
    }
    expect(langFor('ru-RU')).to.equal('ru');
    expect(langFor('FA')).to.equal('fa');
    expect(langFor('de')).to.equal('en');
    expect(langFor(undefined)).to.equal('en');
  });
});
