/**
 * Media jobs (src/jobs/): one row per job, written by the main thread (state changes) and by the
 * worker threads (progress of their own job, each through its own connection).
 *
 * origin_key makes job creation exactly-once: a button press handled again after a crash carries
 * the same callback update key, and INSERT OR IGNORE keeps the first job.
 */
export const up = `
CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  origin_key        TEXT NOT NULL UNIQUE,              -- the update that created it
  user_id           TEXT NOT NULL,
  chat              TEXT NOT NULL,                     -- ChatRef JSON
  source_message_id INTEGER NOT NULL,                  -- the user's message the result replies to
  source            TEXT NOT NULL,                     -- JobSource JSON
  input_key         TEXT NOT NULL,                     -- identifies the input for re-use
  action            TEXT NOT NULL,
  option            TEXT,
  lang              TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('queued','downloading','processing','uploading','done','failed','cancelled')),
  percent           REAL NOT NULL DEFAULT 0,           -- of the current stage; workers write it
  progress_at       INTEGER,                           -- ms since the epoch of the last progress write
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  failure           TEXT,                              -- JobFailure JSON
  resume            TEXT,                              -- ResumeHint
  status_message_id INTEGER,
  input_path        TEXT,                              -- the downloaded input inside the job directory
  outcome           TEXT,                              -- ProcessOutcome JSON: what processing made (an upload resumes from it)
  upload_file_id    TEXT,                              -- resumable upload: the file id in use
  result            TEXT,                              -- JSON: what was sent (for re-use)
  not_before        INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_by_state ON jobs (state);
CREATE INDEX jobs_for_reuse ON jobs (input_key, action, option) WHERE state = 'done';

-- The actions offered for one media message (the buttons under the bot's answer). Callback data
-- holds only the short offer id (Telegram allows 64 bytes), so the media reference lives here.
CREATE TABLE media_offers (
  id                TEXT PRIMARY KEY,                  -- short, URL-safe; derived from the update key
  user_id           TEXT NOT NULL,
  chat              TEXT NOT NULL,                     -- ChatRef JSON
  source_message_id INTEGER NOT NULL,
  source            TEXT NOT NULL,                     -- JobSource JSON
  lang              TEXT NOT NULL,
  created_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE job_upload_parts (
  job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  file_id TEXT NOT NULL,
  part    INTEGER NOT NULL,
  PRIMARY KEY (job_id, file_id, part)
) STRICT;
`;
