/**
 * /settings (src/bot/settings/): one row of choices per user, and how a job sends a video result.
 *
 * user_settings keeps the choices as one JSON object with the version of its shape beside it,
 * rather than a column per choice: a new choice with a default needs no migration at all (a row
 * without the field reads it as its default, src/domain/userSettings.ts readUserSettings), and a
 * change of an existing field's meaning is a new migration that rewrites the rows of the old
 * version in SQL, e.g. renaming a value:
 *   UPDATE user_settings SET settings = json_set(settings, '$.audioFormat', 'ogg'),
 *     schema_version = 2 WHERE schema_version = 1 AND json_extract(settings, '$.audioFormat') = 'opus';
 * together with raising USER_SETTINGS_VERSION in src/storage/bot/settingsRepository.ts. A row of
 * a newer version than the running Courier knows is read field by field (what it understands
 * counts, the rest reads as defaults) and is not downgraded on write (the repository keeps the
 * fields it does not know).
 *
 * jobs.video_as: 'file' when the user wanted video results as a document (NULL: as a streamable
 * video, the behaviour before settings). It is fixed when the job is created, so a job resumed
 * after a restart sends what was asked at the press, and re-use only hands out a result that was
 * sent the same way.
 */
export const up = `
CREATE TABLE user_settings (
  user_id        TEXT PRIMARY KEY,                  -- decimal
  schema_version INTEGER NOT NULL,                  -- the shape of settings (USER_SETTINGS_VERSION)
  settings       TEXT NOT NULL,                     -- JSON object (UserSettings of that version)
  updated_at     INTEGER NOT NULL,                  -- ms since the epoch of the last change
  updated_by     TEXT NOT NULL                      -- the update key (button press) that made the last change
) STRICT;

ALTER TABLE jobs ADD COLUMN video_as TEXT CHECK (video_as IN ('file'));
`;
