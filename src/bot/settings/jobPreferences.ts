/**
 * How a user's settings shape their jobs, as pure functions the media flow (src/bot/media.ts)
 * calls: the request a button press makes, the request a new file makes by itself when the
 * user chose an action to run at once, and the order of the Compress presets in an offer.
 *
 * The settings are read when the request is made and travel with the job (option, videoAs), so
 * a job resumed after a restart does what was asked at the press, whatever changed since.
 */
import type { OfferedAction } from '../../jobs/actions.js';
import type { JobRequest } from '../../domain/mediaPorts.js';
import type { MediaAction } from '../../domain/mediaAction.js';
import type { UserSettings } from '../../domain/userSettings.js';

/**
 * Actions whose result is never a video, so "video results as file" does not concern them (and
 * their re-use is not split by it). Listed this way round so a new action that makes a video is
 * covered without a change here.
 */
const NEVER_VIDEO: ReadonlySet<MediaAction> = new Set<MediaAction>(['info', 'extractAudio', 'thumbnail', 'sendAsFile']);

/** The request of `action` (with the button's `option`, if any) under `settings`. */
export function requestFor(action: MediaAction, option: string | undefined, settings: UserSettings): JobRequest {
  let chosen = option;
  // Extract audio's button carries no format: the user's format fills it ('auto' leaves it to the source).
  if (action === 'extractAudio' && chosen === undefined && settings.audioFormat !== 'auto') chosen = settings.audioFormat;
  if (action === 'compress' && chosen === undefined) chosen = settings.compressPreset;
  const makesVideo = !NEVER_VIDEO.has(action) && !(action === 'convert' && chosen === 'gif');
  return {
    action,
    ...(chosen === undefined ? {} : { option: chosen }),
    ...(settings.videoAs === 'file' && makesVideo ? { videoAs: 'file' as const } : {}),
  };
}

/**
 * The request a new file makes without asking, or null to ask (show the offer): when the user
 * chose 'ask', or their action is not among those offered for this file (e.g. Compress for an
 * audio file). Compress uses the preferred preset when it fits the file, else the first that does.
 */
export function immediateRequest(settings: UserSettings, offered: readonly OfferedAction[]): JobRequest | null {
  if (settings.onNewFile === 'ask') return null;
  const fits = offered.find((o) => o.action === settings.onNewFile);
  if (!fits) return null;
  if (fits.action === 'compress') {
    const preset = fits.options.includes(settings.compressPreset) ? settings.compressPreset : fits.options[0];
    return preset === undefined ? null : requestFor('compress', preset, settings);
  }
  return requestFor(fits.action, undefined, settings);
}

/** An action's options with the user's preferred Compress preset first (other actions: unchanged). */
export function orderedOptions(offered: OfferedAction, settings: Pick<UserSettings, 'compressPreset'>): string[] {
  if (offered.action !== 'compress' || !offered.options.includes(settings.compressPreset)) return offered.options;
  return [settings.compressPreset, ...offered.options.filter((o) => o !== settings.compressPreset)];
}
