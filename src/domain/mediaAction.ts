/** The actions a user can pick for a media file; stored in job rows and carried in callback data. */
export const MEDIA_ACTIONS = ['info', 'extractAudio', 'compress', 'convert', 'thumbnail', 'sendAsFile'] as const;
export type MediaAction = (typeof MEDIA_ACTIONS)[number];
