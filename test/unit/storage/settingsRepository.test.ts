/**
 * user_settings (migration 006): defaults for a user without a row, a choice stored and read
 * back (also after the database is opened again), an unchanged write skipped so a press handled
 * twice changes nothing, and rows of another shape read field by field without a crash. Plus the
 * jobs.video_as column: re-use never hands a video to someone who wants a file.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_USER_SETTINGS, type UserSettings } from '../../../src/domain/userSettings.js';
import { loadUserSettings, saveUserSettings, USER_SETTINGS_VERSION } from '../../../src/storage/bot/settingsRepository.js';
import { createJob, findReusable, getJob, saveTransition } from '../../../src/storage/jobRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';

const rowOf = (db: Database, userId: string) =>
  db.prepare('SELECT schema_version, settings, updated_at, updated_by FROM user_settings WHERE user_id = ?').get(userId) as
    | { schema_version: number; settings: string; updated_at: number; updated_by: string }
    | undefined;

describe('settingsRepository', () => {
  let dir: string;
  let file: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-settings-'));
    file = join(dir, 'courier.db');
    db = openDatabase(file);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the defaults (today’s behaviour) to a user who never chose anything', () => {
    expect(loadUserSettings(db, '1001')).to.deep.equal({ settings: DEFAULT_USER_SETTINGS, updatedAt: null, updatedBy: null });
    expect(DEFAULT_USER_SETTINGS).to.deep.equal({ lang: 'auto', audioFormat: 'auto', compressPreset: '720p', onNewFile: 'ask', videoAs: 'video' });
  });

  it('stores a choice per user with its version and the press that made it, and keeps it across a reopen', () => {
    const mine: UserSettings = { ...DEFAULT_USER_SETTINGS, lang: 'fa', audioFormat: 'opus' };
    expect(saveUserSettings(db, '1001', mine, 'cbq:1', 5000)).to.equal(true);
    expect(loadUserSettings(db, '1002').settings).to.deep.equal(DEFAULT_USER_SETTINGS);
    db.close();
    db = openDatabase(file);
    expect(loadUserSettings(db, '1001')).to.deep.equal({ settings: mine, updatedAt: 5000, updatedBy: 'cbq:1' });
    expect(rowOf(db, '1001')).to.include({ schema_version: USER_SETTINGS_VERSION, updated_by: 'cbq:1' });
  });

  it('writes nothing when the value is already stored: the same press handled again keeps the first record', () => {
    const mine: UserSettings = { ...DEFAULT_USER_SETTINGS, videoAs: 'file' };
    expect(saveUserSettings(db, '1001', mine, 'cbq:1', 5000)).to.equal(true);
    expect(saveUserSettings(db, '1001', mine, 'cbq:1', 9000)).to.equal(false);
    expect(saveUserSettings(db, '1001', { ...mine }, 'cbq:2', 9500)).to.equal(false);
    expect(rowOf(db, '1001')).to.include({ updated_at: 5000, updated_by: 'cbq:1' });
    // Choosing a default that was never changed creates no row either.
    expect(saveUserSettings(db, '1003', DEFAULT_USER_SETTINGS, 'cbq:3', 1)).to.equal(false);
    expect(rowOf(db, '1003')).to.equal(undefined);
  });

  it('reads a damaged or hand-edited row field by field: what is understood counts, the rest is default', () => {
    const insert = db.prepare('INSERT INTO user_settings (user_id, schema_version, settings, updated_at, updated_by) VALUES (?, ?, ?, 1, ?)');
    insert.run('1001', 1, JSON.stringify({ lang: 'ru', audioFormat: 'flac', compressPreset: 1080 }), 'hand');
    insert.run('1002', 1, 'not json at all', 'hand');
    insert.run('1003', 1, '[1,2]', 'hand');
    expect(loadUserSettings(db, '1001').settings).to.deep.equal({ ...DEFAULT_USER_SETTINGS, lang: 'ru' });
    expect(loadUserSettings(db, '1002').settings).to.deep.equal(DEFAULT_USER_SETTINGS);
    expect(loadUserSettings(db, '1003').settings).to.deep.equal(DEFAULT_USER_SETTINGS);
  });

  it('reads a row of a newer shape and, writing to it, keeps its version and the fields it does not know', () => {
    db.prepare('INSERT INTO user_settings (user_id, schema_version, settings, updated_at, updated_by) VALUES (?, ?, ?, 1, ?)').run(
      '1001',
      USER_SETTINGS_VERSION + 1,
      JSON.stringify({ lang: 'fa', videoAs: 'file', subtitles: 'burn-in' }),
      'newer',
    );
    const read = loadUserSettings(db, '1001').settings;
    expect(read).to.deep.equal({ ...DEFAULT_USER_SETTINGS, lang: 'fa', videoAs: 'file' });
    expect(saveUserSettings(db, '1001', { ...read, audioFormat: 'mp3' }, 'cbq:9', 2)).to.equal(true);
    const row = rowOf(db, '1001')!;
    expect(row.schema_version).to.equal(USER_SETTINGS_VERSION + 1);
    expect(JSON.parse(row.settings)).to.deep.include({ subtitles: 'burn-in', audioFormat: 'mp3', lang: 'fa' });
  });

  it('jobs keep how a video result is sent, and re-use matches it', () => {
    const base = {
      userId: '1001',
      chat: { kind: 'user' as const, id: '1001' },
      sourceMessageId: 5,
      source: { kind: 'link' as const, url: 'https://example.org/a.mp4' },
      inputKey: 'in-1',
      lang: 'en',
      maxAttempts: 3,
    };
    const asVideo = createJob(db, { ...base, id: 'j1', originKey: 'o1', request: { action: 'compress', option: '480p' } }, 1).job;
    const asFile = createJob(db, { ...base, id: 'j2', originKey: 'o2', request: { action: 'compress', option: '480p', videoAs: 'file' } }, 1).job;
    expect(getJob(db, 'j1')!.request).to.deep.equal({ action: 'compress', option: '480p' });
    expect(getJob(db, 'j2')!.request).to.deep.equal({ action: 'compress', option: '480p', videoAs: 'file' });
    const result = { kind: 'text' as const, text: 'made as video' };
    saveTransition(db, { ...asVideo, state: 'done' }, 2, { result });
    expect(findReusable(db, 'in-1', 'compress', '480p')).to.deep.equal(result);
    expect(findReusable(db, 'in-1', 'compress', '480p', { videoAs: 'file' })).to.equal(null);
    saveTransition(db, { ...asFile, state: 'done' }, 3, { result: { kind: 'text', text: 'made as file' } });
    expect(findReusable(db, 'in-1', 'compress', '480p', { videoAs: 'file' })).to.deep.equal({ kind: 'text', text: 'made as file' });
  });
});
