/** The actions a user can pick for a media file; stored in job rows and carried in callback data. */
export const MEDIA_ACTIONS = ['info', 'extractAudio', 'compress', 'convert', 'thumbnail', 'sendAsFile', 'trim', 'rename', 'compressToSize'] as const;
export type MediaAction = (typeof MEDIA_ACTIONS)[number];

/**
 * The actions whose button asks a question before the job starts (src/bot/mediaDialogs.ts): the
 * answer becomes the job's option (src/domain/editOptions.ts).
 */
export const DIALOG_ACTIONS = ['trim', 'rename', 'compressToSize'] as const satisfies readonly MediaAction[];
export type DialogAction = (typeof DIALOG_ACTIONS)[number];

export function isDialogAction(action: MediaAction): action is DialogAction {
  return (DIALOG_ACTIONS as readonly string[]).includes(action);
}
