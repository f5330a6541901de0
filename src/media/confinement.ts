/**
 * Runs ffmpeg and ffprobe confined: every child gets resource limits and, where the machine
 * offers it, no network and write access to its job directory only.
 *
 * Three mechanisms, each detected once per process (and once per worker thread, which has its
 * own copy of this module) by running it on `true`:
 *   - prlimit (util-linux): RLIMIT_AS (address space), RLIMIT_CPU (CPU seconds) and RLIMIT_FSIZE
 *     (largest file written) are set and then the tool is exec'd, same pid;
 *   - bubblewrap (`bwrap`): the tool sees the whole file system read-only except its job
 *     directory, no network (`--unshare-net`), and dies with its parent. /tmp stays the real one
 *     (read-only): a private tmpfs there would hide whatever lives under /tmp, a checkout and its
 *     bundled ffmpeg included, and the tools need no scratch space outside the job directory;
 *   - `unshare -n` when bwrap is missing or refused: no network, the file system as is.
 * Where none works, the tool runs bare and the startup log says so (README, "Media
 * confinement"). The flags of limits.ts (protocol and format whitelists, pixel limit) apply
 * regardless.
 *
 * The command is wrapped as: prlimit … -- bwrap … -- ffmpeg args (or unshare -n -- ffmpeg args).
 * prlimit and unshare exec in place and bwrap uses --die-with-parent, so killing the child pid
 * kills the tool.
 */

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { MediaLimits } from './limits.js';

export interface ConfinementSupport {
  prlimit: boolean;
  bwrap: boolean;
  unshareNet: boolean;
}

export const NO_CONFINEMENT: Readonly<ConfinementSupport> = { prlimit: false, bwrap: false, unshareNet: false };

/** Headroom of RLIMIT_FSIZE over `-fs`, so ffmpeg's own clean stop comes first. */
const FSIZE_HEADROOM = 64 * 1024 * 1024;

/** Runs `command args` and says whether it exited with 0 within 5 s. */
export type CommandProbe = (command: string, args: string[]) => Promise<boolean>;

const runsCleanly: CommandProbe = (command, args) =>
  new Promise((done) => {
    execFile(command, args, { timeout: 5000 }, (error) => done(error === null));
  });

let detected: Promise<ConfinementSupport> | null = null;

/** What this machine offers; the first call runs the probes, later calls share the answer. */
export function detectConfinement(probe: CommandProbe = runsCleanly): Promise<ConfinementSupport> {
  if (probe !== runsCleanly) return detect(probe);
  detected ??= detect(probe);
  return detected;
}

async function detect(probe: CommandProbe): Promise<ConfinementSupport> {
  const [prlimit, bwrap, unshareNet] = await Promise.all([
    probe('prlimit', ['--as=1073741824', '--cpu=5', '--fsize=1048576', '--', 'true']),
    probe('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-net', '--die-with-parent', '--', 'true']),
    probe('unshare', ['-n', '--', 'true']),
  ]);
  return { prlimit, bwrap, unshareNet };
}

/** One line for the startup log: what confines the media tools here, and what is missing. */
export function describeConfinement(support: ConfinementSupport): string {
  const limits = support.prlimit ? 'prlimit (address space, CPU seconds, file size)' : 'no resource limits (prlimit not found or refused)';
  const isolation = support.bwrap
    ? 'bubblewrap (no network, writes only to the job directory)'
    : support.unshareNet
      ? 'unshare -n (no network; file system not restricted: bubblewrap not found or refused)'
      : 'no network or file-system isolation (neither bubblewrap nor unshare -n works)';
  return `media confinement: ${limits}; ${isolation}`;
}

export interface ConfineOptions {
  support: ConfinementSupport;
  /** The only directory the tool may write to (bwrap). */
  jobDir: string;
  limits: MediaLimits;
  /** Wall-clock limit of the run; CPU seconds are derived from it. */
  timeoutMs: number;
}

/** The command and arguments that run `binary args` inside the available confinement. */
export function confinedCommand(binary: string, args: readonly string[], options: ConfineOptions): { command: string; args: string[] } {
  const { support, limits } = options;
  let inner: string[] = [binary, ...args];
  if (support.bwrap) {
    const dir = resolve(options.jobDir);
    inner = [
      'bwrap',
      '--ro-bind', '/', '/',
      '--dev', '/dev',
      '--proc', '/proc',
      '--bind', dir, dir,
      '--unshare-net', '--unshare-ipc',
      '--die-with-parent', '--new-session',
      '--', ...inner,
    ];
  } else if (support.unshareNet) {
    inner = ['unshare', '-n', '--', ...inner];
  }
  if (support.prlimit) {
    // Every thread's CPU time counts; allow all threads busy for the whole wall-clock limit.
    const cpuSeconds = Math.ceil(options.timeoutMs / 1000) * (limits.threads + 1) + 5;
    inner = [
      'prlimit',
      `--as=${limits.maxMemoryBytes}`,
      `--cpu=${cpuSeconds}`,
      `--fsize=${limits.maxResultBytes + FSIZE_HEADROOM}`,
      '--', ...inner,
    ];
  }
  const [command, ...rest] = inner;
  return { command: command ?? binary, args: rest };
}

/** Why a confined tool died from a signal, in words; null for signals nobody here sends. */
export function limitSignalText(signal: NodeJS.Signals | null): string | null {
  if (signal === 'SIGXCPU') return 'it used up its CPU-time limit';
  if (signal === 'SIGXFSZ') return 'its output reached the file-size limit';
  if (signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS') return `it crashed (${signal}), possibly on its memory limit`;
  return null;
}
