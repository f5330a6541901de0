/**
 * What the admin panel shows, as text and buttons: the home panel, Stats, Jobs and Backups. Plain
 * functions of what they are given (figures read by the caller), so tests need no clock or disk.
 */
import type { Button } from '../../domain/botPort.js';
import type { CatchupRecord } from '../../storage/catchupRepository.js';
import type { JobLine, StoredStats } from '../../storage/bot/statsRepository.js';
import type { Texts } from '../../texts/index.js';

export interface View {
  text: string;
  buttons: Button[][];
}

/** Callback data of the panel's buttons. */
export const PANEL = {
  home: 'adm:home',
  stats: 'adm:stats',
  broadcast: 'adm:bc',
  users: 'adm:users',
  jobs: 'adm:jobs',
  backups: 'adm:backups',
  backupNow: 'adm:backupnow',
  cancelJob: 'adm:jc:',
  ban: 'adm:ban:',
  unban: 'adm:unban:',
  sendBroadcast: 'adm:bcsend',
  dropBroadcast: 'adm:bcdrop',
} as const;

export interface SystemFigures {
  diskFreeBytes: number | null;
  memoryBytes: number;
  uptimeSeconds: number;
}

/** "2026-11-29 19:00" (UTC): short, and the same for every admin wherever they are. */
export function utcTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function duration(t: Texts, seconds: number): string {
  if (seconds < 120) return t.durationSeconds(Math.round(seconds));
  if (seconds < 7200) return t.durationMinutes(Math.round(seconds / 60));
  return t.durationHours(seconds / 3600);
}

export function homeView(t: Texts): View {
  const b = t.adminButtons;
  return {
    text: t.adminPanel,
    buttons: [
      [{ text: b.stats, data: PANEL.stats }, { text: b.broadcast, data: PANEL.broadcast }],
      [{ text: b.users, data: PANEL.users }, { text: b.jobs, data: PANEL.jobs }, { text: b.backups, data: PANEL.backups }],
    ],
  };
}

const back = (t: Texts, refresh?: string): Button[] => [
  ...(refresh ? [{ text: t.adminButtons.refresh, data: refresh }] : []),
  { text: t.adminButtons.back, data: PANEL.home },
];

export function statsText(t: Texts, s: StoredStats, system: SystemFigures, catchup: CatchupRecord | undefined, lastBackupAt: number | null): string {
  const lines = [t.statsTitle, t.statsUsers(s.users.total, s.users.active24h, s.users.active7d, s.users.newToday), t.statsMessages(s.messagesToday)];
  if (s.jobsToday.length === 0) lines.push(t.statsNoJobsToday);
  for (const j of s.jobsToday) {
    const action = (t.actions as Record<string, string>)[j.action] ?? j.action;
    const outcome = (t.statsOutcomes as Record<string, string>)[j.outcome] ?? j.outcome;
    lines.push(t.statsJobs(action, outcome, j.count));
  }
  lines.push(t.statsQueue(s.queue.queued, s.queue.running));
  if (s.jobTimeMs) lines.push(t.statsJobTimes(Math.round(s.jobTimeMs.p50 / 1000), Math.round(s.jobTimeMs.p95 / 1000)));
  lines.push(t.statsSystem(system.diskFreeBytes === null ? '?' : t.size(system.diskFreeBytes), t.size(system.memoryBytes), duration(t, system.uptimeSeconds)));
  lines.push(catchup ? t.statsCatchup(utcTime(catchup.startedAt), catchup.recovered, duration(t, catchup.offlineSeconds)) : t.statsNoCatchup);
  lines.push(lastBackupAt === null ? t.statsNoBackup : t.statsBackup(utcTime(lastBackupAt)));
  return lines.join('\n');
}

export function statsView(t: Texts, text: string): View {
  return { text, buttons: [back(t, PANEL.stats)] };
}

export function jobsView(t: Texts, jobs: { active: JobLine[]; failed: JobLine[] }): View {
  const line = (j: JobLine) =>
    t.jobLine(j.id, j.userId, (t.actions as Record<string, string>)[j.action] ?? j.action, (t.jobStates as Record<string, string>)[j.state] ?? j.state);
  const lines: string[] = [];
  if (jobs.active.length > 0) lines.push(t.jobsActive, ...jobs.active.map(line));
  if (jobs.failed.length > 0) lines.push(t.jobsFailed, ...jobs.failed.map(line));
  return {
    text: lines.length === 0 ? t.jobsNone : lines.join('\n'),
    buttons: [...jobs.active.map((j) => [{ text: t.jobCancelButton(j.id), data: `${PANEL.cancelJob}${j.id}` }]), back(t, PANEL.jobs)],
  };
}

export interface BackupFile {
  name: string;
  bytes: number;
  modifiedAt: number;
}

export function backupsView(t: Texts, files: readonly BackupFile[], lastBackupAt: number | null, canBackUp: boolean): View {
  const lines = files.length === 0 ? [t.backupsNone] : [t.backupsTitle, ...files.map((f) => t.backupLine(f.name, t.size(f.bytes), utcTime(f.modifiedAt)))];
  lines.push(lastBackupAt === null ? t.statsNoBackup : t.statsBackup(utcTime(lastBackupAt)));
  return {
    text: lines.join('\n'),
    buttons: [...(canBackUp ? [[{ text: t.adminButtons.backupNow, data: PANEL.backupNow }]] : []), back(t, PANEL.backups)],
  };
}
