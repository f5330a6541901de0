/**
 * One directory per job under <paths.temp>/jobs/<jobId>: everything a job writes (input, outputs,
 * thumbnails) lives there, so ending a job is one recursive delete, and at start every directory
 * that belongs to no unfinished job is a leftover of a crash and is swept.
 */
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';

const JOB_ID = /^[A-Za-z0-9_-]{1,40}$/;

export function jobsRoot(tempDir: string): string {
  return join(tempDir, 'jobs');
}

/** The job's directory; refuses ids that could name anything but a plain child directory. */
export function jobDirOf(tempDir: string, jobId: string): string {
  if (!JOB_ID.test(jobId) || jobId === '.' || jobId === '..') throw new RangeError(`"${jobId}" is not a job id; job directories are named by job id only.`);
  return join(jobsRoot(tempDir), jobId);
}

export async function makeJobDir(tempDir: string, jobId: string): Promise<string> {
  const dir = jobDirOf(tempDir, jobId);
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function removeJobDir(tempDir: string, jobId: string): Promise<void> {
  await rm(jobDirOf(tempDir, jobId), { recursive: true, force: true });
}

/** Removes every entry of <temp>/jobs whose name is not in `keep`; returns the names removed. */
export async function sweepJobDirs(tempDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const root = jobsRoot(tempDir);
  await mkdir(root, { recursive: true });
  const removed: string[] = [];
  for (const name of await readdir(root)) {
    if (keep.has(name)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Free bytes for an unprivileged process on the file system holding `dir` (created if missing). */
export async function freeDiskBytes(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
