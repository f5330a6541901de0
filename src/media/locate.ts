/**
 * Finds the ffmpeg and ffprobe binaries Courier runs. Order:
 *   1. the configured path (media.ffmpegPath / media.ffprobePath), which must exist, be
 *      executable and answer `-version` — a wrong setting is an error, never silently skipped;
 *   2. a system binary on PATH (e.g. Debian's `apt install ffmpeg`), if `ffmpeg -version` works;
 *   3. the binary shipped in the npm packages @ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe.
 * A configured bare name (no slash) means "look it up on PATH".
 *
 * The bundled ffmpeg is a 2018 build (N-47683, between 4.0 and 4.1) with seven years of decoder
 * fixes missing, so a system ffmpeg 5 or newer is preferred: with the bundled one Courier works
 * but logs a warning at start, and `bundledNotice` gives the admins the same sentence once.
 * `media.requireSystemFfmpeg` turns the fallback into a refusal to start.
 */

import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';

export type MediaToolName = 'ffmpeg' | 'ffprobe';

export interface LocatedTool {
  /** What to pass to execFile/spawn: an absolute path, or a bare name found on PATH. */
  path: string;
  source: 'config' | 'system' | 'bundled';
  /** First line of `-version`, for the startup log. */
  version: string;
}

/** No usable binary, or the configured one is wrong. The message names the config key. */
export class MediaToolNotFoundError extends Error {
  override readonly name = 'MediaToolNotFoundError';
  constructor(
    readonly tool: MediaToolName,
    message: string,
  ) {
    super(message);
  }
}

export interface LocateOptions {
  /** PATH used for the system lookup; default: the process's own environment (inherited). */
  searchPath?: string;
  /** Path of the npm-packaged binary, or null if the package is missing; default: the installer package. */
  packagedPath?: () => string | null;
  /** Limit for `-version`, ms. */
  timeoutMs?: number;
  /** media.requireSystemFfmpeg: refuse the npm-bundled binary. */
  requireSystem?: boolean;
}

const CONFIG_KEY: Record<MediaToolName, string> = { ffmpeg: 'media.ffmpegPath', ffprobe: 'media.ffprobePath' };
const PACKAGE: Record<MediaToolName, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };

export function locateFfmpeg(configPath: string | null, options: LocateOptions = {}): Promise<LocatedTool> {
  return locateTool('ffmpeg', configPath, options);
}

export function locateFfprobe(configPath: string | null, options: LocateOptions = {}): Promise<LocatedTool> {
  return locateTool('ffprobe', configPath, options);
}

async function locateTool(tool: MediaToolName, configPath: string | null, options: LocateOptions): Promise<LocatedTool> {
  const key = CONFIG_KEY[tool];
  if (configPath !== null) {
    const isBareName = !configPath.includes('/') && !configPath.includes('\\');
    if (!isBareName) await assertExecutableFile(tool, configPath, key);
    const version = await versionOf(configPath, options);
    if (version === null) {
      throw new MediaToolNotFoundError(
        tool,
        `${key} is set to "${configPath}", but running "${configPath} -version" failed${isBareName ? ' (is it on PATH?)' : ''}. ` +
          `Point ${key} at a working ${tool} binary, or set it to null to use the system or bundled one.`,
      );
    }
    return { path: configPath, source: 'config', version };
  }

  const systemVersion = await versionOf(tool, options);
  if (systemVersion !== null) return { path: tool, source: 'system', version: systemVersion };

  const packaged = (options.packagedPath ?? (() => packagedBinary(tool)))();
  if (packaged !== null && options.requireSystem === true) {
    throw new MediaToolNotFoundError(
      tool,
      `media.requireSystemFfmpeg is true, but "${tool} -version" failed on PATH and only the bundled build of ${PACKAGE[tool]} is there. ` +
        `Install ${tool} 5 or newer (apt install ffmpeg), point ${key} at one, or set media.requireSystemFfmpeg to false.`,
    );
  }
  if (packaged !== null) {
    const version = await versionOf(packaged, options);
    if (version !== null) return { path: packaged, source: 'bundled', version };
  }
  throw new MediaToolNotFoundError(
    tool,
    `No working ${tool} was found: ${key} is not set, "${tool} -version" failed on PATH, and the npm package ${PACKAGE[tool]} ` +
      `${packaged === null ? 'is not installed' : `has a binary at ${packaged} that does not run`}. ` +
      `Install ${tool} (e.g. apt install ffmpeg) or set ${key} in config/local.json.`,
  );
}

async function assertExecutableFile(tool: MediaToolName, file: string, key: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new MediaToolNotFoundError(tool, `${key} is set to "${file}", but no file exists there. Fix ${key} or set it to null.`);
  if (!info.isFile()) throw new MediaToolNotFoundError(tool, `${key} is set to "${file}", which is not a file. Fix ${key} or set it to null.`);
  try {
    await access(file, fsConstants.X_OK);
  } catch {
    throw new MediaToolNotFoundError(tool, `${key} is set to "${file}", but that file is not executable. Run chmod +x on it or fix ${key}.`);
  }
}

/** First line of `<bin> -version`, or null if it cannot be run or fails. */
function versionOf(binary: string, options: LocateOptions): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['-version'],
      {
        timeout: options.timeoutMs ?? 10_000,
        // Node looks the command up in options.env.PATH when env is given (see child_process.spawn).
        ...(options.searchPath === undefined ? {} : { env: { PATH: options.searchPath } }),
        maxBuffer: 1024 * 1024,
      },
      (error, stdout) => {
        if (error) return resolve(null);
        const first = String(stdout).split('\n')[0]?.trim() ?? '';
        resolve(first.length > 0 ? first : null);
      },
    );
  });
}

function packagedBinary(tool: MediaToolName): string | null {
  try {
    const required: unknown = createRequire(import.meta.url)(PACKAGE[tool]);
    const path = (required as { path?: unknown }).path;
    return typeof path === 'string' ? path : null;
  } catch {
    // The installer packages throw (a string) when their platform binary is missing.
    return null;
  }
}

export interface MediaTools {
  ffmpeg: LocatedTool;
  ffprobe: LocatedTool;
  /** For the startup log and, once, the admins: why these tools are a risk; null when they are not. */
  notice: string | null;
}

/** Both tools as media.* configures them, with a notice when the bundled or an old build is used. */
export async function locateMediaTools(
  media: { readonly ffmpegPath: string | null; readonly ffprobePath: string | null; readonly requireSystemFfmpeg?: boolean },
  options: LocateOptions = {},
): Promise<MediaTools> {
  const withRequire = { ...options, requireSystem: media.requireSystemFfmpeg === true };
  const [ffmpeg, ffprobe] = await Promise.all([locateFfmpeg(media.ffmpegPath, withRequire), locateFfprobe(media.ffprobePath, withRequire)]);
  return { ffmpeg, ffprobe, notice: bundledNotice(ffmpeg) };
}

/**
 * The sentence admins are told once when ffmpeg decodes untrusted media with an old build: the
 * bundled 2018 one, or a system/configured one older than 5. Null for a current build.
 */
export function bundledNotice(ffmpeg: LocatedTool): string | null {
  if (ffmpeg.source === 'bundled') {
    return (
      `ffmpeg is the bundled 2018 build from ${PACKAGE.ffmpeg} (${ffmpeg.version}), which lacks years of decoder security fixes. ` +
      'Install ffmpeg 5 or newer (apt install ffmpeg) and restart; set media.requireSystemFfmpeg to true to refuse the bundled build.'
    );
  }
  const major = majorVersion(ffmpeg.version);
  if (major !== null && major < 5) {
    return `ffmpeg ${ffmpeg.source === 'config' ? `at media.ffmpegPath (${ffmpeg.path})` : 'on PATH'} is version ${major} (${ffmpeg.version}); ffmpeg 5 or newer is recommended for untrusted media.`;
  }
  return null;
}

/** "ffmpeg version 5.1.6-0+deb12u1 ..." -> 5; git builds ("version N-47683-g...") -> null. */
export function majorVersion(versionLine: string): number | null {
  const match = /version n?(\d+)\./.exec(versionLine);
  return match ? Number(match[1]) : null;
}
