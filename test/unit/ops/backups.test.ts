import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkIntegrity } from '../../../src/storage/backup.js';
import { openDatabase } from '../../../src/storage/index.js';
import { createKvRepository } from '../../../src/storage/kvRepository.js';
import { acquireProcessLock } from '../../../src/telegram/session/processLock.js';
import { backupNow, restoreBackup, type BackupSettings } from '../../../src/ops/backupCommands.js';
import { backupFileName, lastBackupAt, makeBackup, startBackupSchedule } from '../../../src/ops/backups.js';

describe('database backups', () => {
  let dir: string;
  let settings: BackupSettings;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-backups-'));
    settings = {
      paths: { sessions: join(dir, 'sessions') },
      telegram: { sessionName: 'courier' },
      database: { file: join(dir, 'courier.db'), busyTimeoutMs: 1000 },
      backups: { dir: join(dir, 'backups'), keep: 2 },
    };
    const db = openDatabase(settings.database.file);
    createKvRepository(db).set('story', 'before');
    db.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names backups so that they sort by time', () => {
    expect(backupFileName(Date.UTC(2026, 10, 29, 19, 55, 3, 120))).to.equal('courier-20261129T195503120Z.db');
  });

  it('writes checked copies, records the time of the last one and keeps only the newest `keep`', () => {
    const db = openDatabase(settings.database.file);
    try {
      const made = [1, 2, 3].map((n) => makeBackup(db, settings.backups.dir, 2, Date.UTC(2026, 0, n)));
      expect(readdirSync(settings.backups.dir).sort()).to.deep.equal([backupFileName(Date.UTC(2026, 0, 2)), backupFileName(Date.UTC(2026, 0, 3))]);
      expect(made[2]!.deleted).to.deep.equal([join(settings.backups.dir, backupFileName(Date.UTC(2026, 0, 1)))]);
      expect(checkIntegrity(made[2]!.file)).to.equal('ok');
      expect(lastBackupAt(db)).to.equal(Date.UTC(2026, 0, 3));
    } finally {
      db.close();
    }
  });

  it('`npm run backup` works beside a running service: its own connection, while the service holds one open', () => {
    const service = openDatabase(settings.database.file);
    try {
      createKvRepository(service).set('story', 'written by the service');
      const file = backupNow(settings);
      expect(checkIntegrity(file)).to.equal('ok');
      const copy = openDatabase(file, { readonly: true });
      expect(createKvRepository(copy).get('story')).to.equal('written by the service');
      copy.close();
      expect(lastBackupAt(service)).to.be.a('number');
    } finally {
      service.close();
    }
  });

  it('restore refuses while Courier holds its session lock, and changes nothing', () => {
    const file = backupNow(settings);
    const lock = acquireProcessLock(join(settings.paths.sessions, 'courier.session.lock'));
    try {
      expect(() => restoreBackup(settings, file)).to.throw(/Courier is running \(pid \d+.*stop it first/);
      expect(readdirSync(dir).filter((n) => n.includes('before-restore'))).to.deep.equal([]);
    } finally {
      lock.release();
    }
  });

  it('restore puts the backup in place and keeps the current database aside', () => {
    const file = backupNow(settings);
    const db = openDatabase(settings.database.file);
    createKvRepository(db).set('story', 'after the backup');
    db.close();
    const { keptAside } = restoreBackup(settings, file, () => Date.UTC(2026, 5, 1));
    expect(keptAside).to.be.a('string');
    expect(existsSync(keptAside!)).to.equal(true);
    const restored = openDatabase(settings.database.file);
    expect(createKvRepository(restored).get('story')).to.equal('before');
    restored.close();
    // The lock was taken for the restore and given back.
    expect(readdirSync(settings.paths.sessions)).to.deep.equal([]);
  });

  it('restore refuses a file that is not a sound database', () => {
    expect(() => restoreBackup(settings, join(dir, 'nothing.db'))).to.throw(/not a sound backup/);
  });

  it('the schedule backs up when none was made within the period, and reports a failure', async () => {
    const db = openDatabase(settings.database.file);
    const results: unknown[] = [];
    const schedule = startBackupSchedule({ db, dir: settings.backups.dir, keep: 3, everyMs: 3_600_000, now: () => Date.UTC(2026, 0, 1), firstCheckMs: 1, checkEveryMs: 60_000, onBackup: (r) => results.push(r) });
    await new Promise((r) => setTimeout(r, 50));
    schedule.stop();
    expect(results).to.have.length(1);
    expect(results[0]).to.have.property('file');
    expect(schedule.lastFailure()).to.equal(null);
    db.close();
  });
});
