import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFileWarnings, configSchema, formatConfigError, loadConfig } from '../../../src/config/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const HASH = '0123456789abcdef0123456789abcdef';
const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let cwd: string;
  const writeConfig = (name: string, content: unknown) => {
    mkdirSync(join(cwd, 'config'), { recursive: true });
    writeFileSync(join(cwd, 'config', name), typeof content === 'string' ? content : JSON.stringify(content));
  };

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'courier-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('gives every default when there are no files and no variables, with paths made absolute', () => {
    const config = loadConfig({ cwd, env: {} });
    expect(config.telegram).to.include({ apiId: null, apiHash: null, botToken: null, sessionName: 'courier' });
    expect(config.paths).to.deep.equal({ data: join(cwd, 'data'), sessions: join(cwd, 'sessions'), temp: join(cwd, 'data/tmp') });
    expect(config.database.file).to.equal(join(cwd, 'data/courier.db'));
    expect(config.database.busyTimeoutMs).to.equal(5000);
    expect(config.jobs.poolSize).to.equal(availableParallelism());
    expect(config.jobs.maxFileBytes).to.equal(2 * 1024 ** 3);
    expect(config.updates.oldMessages).to.deep.equal({ maxAgeHours: null, action: 'handle' });
    expect(config.links.allowLoopback).to.equal(false);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ cwd, env: {} });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.updates.oldMessages)).to.equal(true);
    expect(Object.isFrozen(config.admins)).to.equal(true);
    expect(() => {
      (config.log as { level: string }).level = 'debug';
    }).to.throw(TypeError);
  });

  it("keeps config/default.json in step with the schema's defaults", () => {
    const file = JSON.parse(readFileSync(join(repoRoot, 'config/default.json'), 'utf8')) as unknown;
    expect(configSchema.parse(file)).to.deep.equal(configSchema.parse({}));
  });

  it('lets local.json beat default.json, the environment beat local.json, and overrides beat all', () => {
    writeConfig('default.json', { updates: { chatConcurrency: 3, gapTimeoutMs: 100, delayedNoteSeconds: 7 } });
    writeConfig('local.json', { updates: { chatConcurrency: 4, gapTimeoutMs: 200 } });
    const env = { COURIER__UPDATES__CHAT_CONCURRENCY: '5' };
    const config = loadConfig({ cwd, env, overrides: { updates: { offlineAlertSeconds: 42 } } });
    expect(config.updates).to.include({ chatConcurrency: 5, gapTimeoutMs: 200, delayedNoteSeconds: 7, offlineAlertSeconds: 42 });
    expect(loadConfig({ cwd, env, overrides: { updates: { chatConcurrency: 6 } } }).updates.chatConcurrency).to.equal(6);
  });

  it('command-line defaults (--sandbox DIR keeps the data under DIR) beat default.json but not what the operator set', () => {
    writeConfig('default.json', { paths: { data: 'data' } });
    const defaults = { paths: { data: '/sandbox/a/courier-data' } };
    const config = loadConfig({ cwd, env: {}, defaults });
    expect(config.paths.data).to.equal('/sandbox/a/courier-data');
    expect(config.database.file).to.equal('/sandbox/a/courier-data/courier.db');
    expect(loadConfig({ cwd, env: { COURIER_DATA_DIR: '/srv/courier' }, defaults }).paths.data).to.equal('/srv/courier');
    writeConfig('local.json', { paths: { data: '/srv/local' } });
    expect(loadConfig({ cwd, env: {}, defaults }).database.file).to.equal('/srv/local/courier.db');
  });

  it('reads the named variables: credentials, admins, log and directories', () => {
    const config = loadConfig({
      cwd,
      env: {
        COURIER_API_ID: '611335',
        COURIER_API_HASH: HASH,
        COURIER_BOT_TOKEN: TOKEN,
        COURIER_ADMINS: ' 1001, 2002 ,',
        COURIER_LOG_LEVEL: 'debug',
        COURIER_LOG_FORMAT: 'json',
        COURIER_DATA_DIR: '/srv/courier',
        COURIER_SESSION_DIR: 'secret-sessions',
        COURIER_SANDBOX_DIR: 'sandbox',
      },
    });
    expect(config.telegram).to.include({ apiId: 611335, apiHash: HASH, botToken: TOKEN, sandboxDir: join(cwd, 'sandbox') });
    expect(config.admins).to.deep.equal([1001, 2002]);
    expect(config.log).to.deep.equal({ level: 'debug', format: 'json' });
    expect(config.paths).to.deep.equal({ data: '/srv/courier', sessions: join(cwd, 'secret-sessions'), temp: '/srv/courier/tmp' });
    expect(config.database.file, 'the database follows the data directory').to.equal('/srv/courier/courier.db');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ cwd, env: { COURIER_API_HASH: '', COURIER_LOG_LEVEL: ' ' } }).telegram.apiHash).to.equal(null);
  });

  it('reads COURIER__SECTION__KEY case-insensitively, JSON-parsing values except for text keys', () => {
    const config = loadConfig({
      cwd,
      env: {
        COURIER__UPDATES__OLD_MESSAGES__MAX_AGE_HOURS: '12',
        COURIER__updates__oldmessages__ACTION: 'acknowledge',
        COURIER__LINKS__ALLOWLOOPBACK: 'true',
        COURIER__TELEGRAM__SESSION_NAME: '00123',
        COURIER__MEDIA: '{"ffmpegPath":"/opt/ffmpeg"}',
        COURIER__DATABASE__FILE: 'elsewhere/c.db',
      },
    });
    expect(config.updates.oldMessages).to.deep.equal({ maxAgeHours: 12, action: 'acknowledge' });
    expect(config.links.allowLoopback).to.equal(true);
    expect(config.telegram.sessionName).to.equal('00123');
    expect(config.media).to.deep.equal({ ffmpegPath: '/opt/ffmpeg', ffprobePath: null, requireSystemFfmpeg: false });
    expect(config.database.file).to.equal(join(cwd, 'elsewhere/c.db'));
  });

  it('warns when config/local.json, where the secrets live, can be read by group or others', () => {
    expect(configFileWarnings({ cwd }), 'no local.json').to.deep.equal([]);
    writeConfig('local.json', { telegram: { apiHash: HASH } });
    chmodSync(join(cwd, 'config', 'local.json'), 0o644);
    const [warning, ...more] = configFileWarnings({ cwd });
    expect(more).to.deep.equal([]);
    expect(warning).to.contain(join(cwd, 'config', 'local.json')).and.contain('mode 644').and.contain('chmod 600').and.not.contain(HASH);
    chmodSync(join(cwd, 'config', 'local.json'), 0o640);
    expect(configFileWarnings({ cwd })[0]).to.contain('its group (mode 640)');
    chmodSync(join(cwd, 'config', 'local.json'), 0o600);
    expect(configFileWarnings({ cwd })).to.deep.equal([]);
  });

  describe('errors', () => {
    it('names the key and the variable, masks a secret, and says what is expected', () => {
      const err = configError(() => loadConfig({ cwd, env: { COURIER_API_HASH: 'not-a-hash-but-private' } }));
      expect(err.issues).to.have.length(1);
      const [issue] = err.issues;
      expect(issue).to.include({ key: 'telegram.apiHash', source: 'env COURIER_API_HASH', expected: '32 hexadecimal characters' });
      expect(issue?.value).to.equal('[secret hidden: 22 characters]');
      expect(err.message).to.contain('telegram.apiHash (from env COURIER_API_HASH)').and.not.contain('not-a-hash-but-private');
      expect(formatConfigError(err)).to.equal(err.message);
    });

    it('masks a bot token given under a misspelt key too', () => {
      writeConfig('local.json', { telegram: { botTokn: TOKEN } });
      const err = configError(() => loadConfig({ cwd, env: {} }));
      expect(err.issues[0]).to.include({ key: 'telegram.botTokn', source: 'config/local.json' });
      expect(err.message).to.contain('no such key').and.not.contain(TOKEN);
    });

    it('hides secrets at any depth under a misspelt section, and a proxy URL\'s password', () => {
      const password = 'pr0xy-pa55word-only-here';
      const token = 'custom-token-value-kept-private';
      writeConfig('local.json', {
        telegramm: { apiHash: HASH, botToken: TOKEN, nested: { password, list: [{ token }] } },
        proxyy: { url: `socks5://courier:${password}@proxy.example:1080`, secret: 'abc' },
      });
      const err = configError(() => loadConfig({ cwd, env: {} }));
      expect(err.issues.map((i) => i.key)).to.have.members(['telegramm', 'proxyy']);
      for (const secret of [HASH, TOKEN, password, token, '"abc"']) expect(err.message).to.not.contain(secret);
      // What is there stays recognisable: the keys, and the length of each hidden value.
      expect(err.message).to.contain('{"apiHash":"[secret hidden: 32 characters]"');
      expect(err.issues.find((i) => i.key === 'proxyy')?.value).to.contain('socks5://courier:[secret hidden]@proxy.example');
    });

    it('hides a secret in a misspelt section given by a variable, by its name or inside its JSON', () => {
      const env = {
        COURIER__TELEGRAMM__PASSWORD: 'hunter22-under-a-typo',
        COURIER__TELEGRAMM2: JSON.stringify({ session: '1AgAOMTQ5LjE1NC4xNjc-typo' }),
      };
      const err = configError(() => loadConfig({ cwd, env }));
      expect(err.issues.map((i) => i.source)).to.have.members(['env COURIER__TELEGRAMM__PASSWORD', 'env COURIER__TELEGRAMM2']);
      expect(err.message).to.not.contain('hunter22-under-a-typo').and.not.contain('1AgAOMTQ5LjE1NC4xNjc-typo');
    });

    it('reports every problem at once, each with its value and expectation', () => {
      writeConfig('local.json', { updates: { chatConcurrency: 0 }, log: { level: 'loud' } });
      const err = configError(() => loadConfig({ cwd, env: { COURIER_ADMINS: '12,bob', COURIER__JOBS__POOLSIZ: '3', COURIER_API_ID: '1.5' } }));
      const byKey = Object.fromEntries(err.issues.map((i) => [i.key, i]));
      expect(Object.keys(byKey)).to.have.members(['jobs.POOLSIZ', 'telegram.apiId', 'admins[1]', 'log.level', 'updates.chatConcurrency']);
      expect(byKey['jobs.POOLSIZ']).to.include({ source: 'env COURIER__JOBS__POOLSIZ', value: '"3"' });
      expect(byKey['jobs.POOLSIZ']?.expected).to.contain('poolSize');
      expect(byKey['telegram.apiId']).to.include({ value: '1.5', expected: 'a whole number', source: 'env COURIER_API_ID' });
      expect(byKey['admins[1]']).to.include({ value: '"bob"', expected: 'a value of type number', source: 'env COURIER_ADMINS' });
      expect(byKey['log.level']).to.include({ value: '"loud"', expected: 'one of "error", "warn", "info", "debug"', source: 'config/local.json' });
      expect(byKey['updates.chatConcurrency']).to.include({ value: '0', expected: 'a number > 0' });
    });

    it('names a malformed JSON file and the line and column, without quoting its text', () => {
      writeConfig('local.json', `{\n  "telegram": {\n    "apiHash": "${HASH}",\n  }\n}`);
      const err = configError(() => loadConfig({ cwd, env: {} }));
      expect(err.issues[0]?.key).to.equal('config/local.json');
      expect(err.issues[0]?.value).to.match(/^not valid JSON at line 4, column 3/);
      expect(err.message).to.not.contain(HASH);
    });

    it('finds the position of an "unexpected token" too', () => {
      writeConfig('default.json', '{"log": {"level": }}');
      const err = configError(() => loadConfig({ cwd, env: {} }));
      expect(err.issues[0]).to.include({ key: 'config/default.json' });
      expect(err.issues[0]?.value).to.match(/^not valid JSON at line 1, column 19/);
    });
  });
});
