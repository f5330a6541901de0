import { expect } from 'chai';
import { Writable } from 'node:stream';
import { initLogging, logger, MASK, redact, redactText, registerSecret } from '../../../src/log/logger.js';

// Shaped like the real thing, made up for the test.
const BOT_TOKEN = '7012345678:AAF3xk9QpZr_vLm2Ns8TbYcWdEeFgHhIiJj';
const API_HASH = 'c0ffee00deadbeef0123456789abcdef';
const SESSION = `1${Buffer.alloc(263, 7).toString('base64').replace(/^./, 'B')}`;
const PHONE = '+989121234567';
const PASSWORD = 'correct horse battery staple';

/** Captures what winston writes, one entry per line. */
function capture(format: 'json' | 'pretty' = 'json'): { lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  initLogging({ level: 'debug', format }, { stream });
  return { lines, text: () => lines.join('\n') };
}

describe('log redaction', () => {
  after(() => initLogging({ level: 'info', format: 'auto' }, { stream: new Writable({ write: (_c, _e, done) => done() }) }));

  it('masks a bot token, a session string and a phone number in the message text', () => {
    const out = capture();
    logger('t').info(`login with ${BOT_TOKEN}, session ${SESSION}, phone ${PHONE}`);
    expect(out.lines).to.have.length(1);
    const entry = JSON.parse(out.lines[0]!) as { message: string; module: string; level: string };
    expect(entry).to.include({ module: 't', level: 'info' });
    for (const secret of [BOT_TOKEN, SESSION, PHONE]) expect(entry.message).to.not.contain(secret);
    expect(entry.message).to.equal(`login with ${MASK}, session ${MASK}, phone ${MASK}`);
  });

  it('masks values under secret-named keys in nested objects and arrays', () => {
    const out = capture();
    logger('t').info('login step', {
      user: { phoneNumber: '0912 123 4567', profile: { password: PASSWORD, name: 'Sara' } },
      steps: [{ phoneCode: '12345' }, { apiHash: API_HASH }, { hash: API_HASH.toUpperCase() }],
      authKey: Buffer.alloc(256, 1),
      '2fa': 'hunter22',
    });
    const text = out.text();
    for (const secret of ['0912 123 4567', PASSWORD, '12345', API_HASH, API_HASH.toUpperCase(), 'hunter22']) expect(text).to.not.contain(secret);
    const entry = JSON.parse(out.lines[0]!) as Record<string, any>;
    expect(entry.user).to.deep.equal({ phoneNumber: MASK, profile: { password: MASK, name: 'Sara' } });
    expect(entry.steps).to.deep.equal([{ phoneCode: MASK }, { apiHash: MASK }, { hash: MASK }]);
    expect(entry.authKey).to.equal(MASK);
    expect(entry['2fa']).to.equal(MASK);
  });

  it('masks secrets in an Error: message, stack, own fields and the cause chain', () => {
    const out = capture();
    const cause = new Error(`token ${BOT_TOKEN} was revoked`);
    const err = Object.assign(new Error(`auth failed for ${PHONE}`, { cause }), { code: 'AUTH_KEY_UNREGISTERED', session: SESSION });
    logger('t').error('login failed', err);
    logger('t').error(err);
    logger('t').warn('wrapped', { err });
    const text = out.text();
    for (const secret of [BOT_TOKEN, PHONE, SESSION]) expect(text).to.not.contain(secret);
    const [first, second, third] = out.lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(first?.message).to.equal(`login failed auth failed for ${MASK}`);
    expect(first?.stack).to.contain(`auth failed for ${MASK}`);
    expect(first?.code, 'error codes stay visible').to.equal('AUTH_KEY_UNREGISTERED');
    expect(first?.cause.message).to.equal(`token ${MASK} was revoked`);
    expect(second?.message).to.equal(`auth failed for ${MASK}`);
    expect(second?.stack).to.match(/^Error: auth failed for \[redacted\]/);
    expect(third?.err).to.include({ name: 'Error', message: `auth failed for ${MASK}`, session: MASK });
    expect(third?.err.cause.stack).to.contain(`token ${MASK} was revoked`);
  });

  it('masks registered secrets verbatim, wherever they appear', () => {
    const out = capture();
    const oddSecret = 'not-shaped-like-anything-42';
    registerSecret(oddSecret);
    logger('t').info(`config says ${oddSecret}`, { nested: [`x${oddSecret}y`] });
    expect(out.text()).to.not.contain(oddSecret);
    expect(JSON.parse(out.lines[0]!)).to.deep.include({ message: `config says ${MASK}`, nested: [`x${MASK}y`] });
  });

  it('registers the secrets given to initLogging', () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    initLogging({ level: 'info', format: 'json' }, { stream, secrets: ['configured-hash-value', null] });
    logger('t').info('hash is configured-hash-value');
    expect(lines.join('')).to.contain(MASK).and.not.contain('configured-hash-value');
  });

  it('keeps ordinary text, error codes and numbers under `code` that are not login codes', () => {
    expect(redactText('downloaded 1048576 bytes in 3.2 s from +abc')).to.equal('downloaded 1048576 bytes in 3.2 s from +abc');
    expect(redact({ code: 'SQLITE_BUSY', hash: 'not-hex', count: 12 })).to.deep.equal({ code: 'SQLITE_BUSY', hash: 'not-hex', count: 12 });
    expect(redact({ code: 54321 })).to.deep.equal({ code: MASK });
  });

  it('masks a phone number with or without the "+", but not ids, timestamps or sizes of the same shape', () => {
    // Telegram and GramJS write a user's phone without the "+": after a word naming a phone it is one.
    expect(redactText('phone 989121234567 sent a code')).to.equal(`phone ${MASK} sent a code`);
    expect(redactText('{"phone_number":"989121234567"}')).to.equal(`{"phone_number":"${MASK}"}`);
    expect(redactText("User { id: 5012345678, phone: '989121234567' }")).to.equal(`User { id: 5012345678, phone: '${MASK}' }`);
    expect(redactText('userPhone=44 7700 900123')).to.equal(`userPhone=${MASK}`);
    expect(redactText('calling +98 912 123 4567 now')).to.equal(`calling ${MASK} now`);
    // Bare digits anywhere else are the ids and numbers an operator reads logs for.
    const ordinary = 'message 989121234567 from user 5012345678 in chat -1001234567890 at 1732900000000, 1048576 bytes, random_id 8170012345678901234';
    expect(redactText(ordinary)).to.equal(ordinary);
    expect(redactText('phone_code_hash: 1234567890123, phones: 3')).to.equal('phone_code_hash: 1234567890123, phones: 3');
  });

  it('masks a short registered secret (a login code) as a whole word only', () => {
    const code = '86420';
    expect(redactText(`login code ${code}`), 'visible before it is registered').to.contain(code);
    registerSecret(code);
    expect(redactText(`login code ${code}, "${code}"`)).to.equal(`login code ${MASK}, "${MASK}"`);
    expect(redactText('message 864201 of 1864205 bytes')).to.equal('message 864201 of 1864205 bytes');
    registerSecret('abc');
    expect(redactText('abc')).to.equal('abc');
  });

  it('does not change the object it was given, and survives cycles', () => {
    const meta: Record<string, unknown> = { password: PASSWORD };
    meta.self = meta;
    expect(redact(meta)).to.deep.equal({ password: MASK, self: '[circular]' });
    expect(meta.password).to.equal(PASSWORD);
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    initLogging({ level: 'warn', format: 'json' }, { stream });
    logger('t').info('quiet');
    logger('t').warn('loud');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('loud');
  });

  it('writes one readable line per entry in pretty format, redacted too', () => {
    const out = capture('pretty');
    logger('session').info(`saved for ${PHONE}`, { size: 3 });
    expect(out.lines).to.have.length(1);
    // eslint-disable-next-line no-control-regex
    const plain = out.lines[0]!.replace(/\u001b\[\d+m/g, '');
    expect(plain).to.match(/^\d\d:\d\d:\d\d\.\d{3} info \[session\] saved for \[redacted\] \{"size":3\}$/);
  });
});
