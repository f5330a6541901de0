/**
 * Results sent in parts (issue 11, "Results over 2 GB"): a result over Telegram's per-file limit
 * goes out as several messages, and a restart must not send again the ones already delivered
 * (each is up to 2000 MiB). One row per part that Telegram accepted; the part being uploaded
 * keeps using jobs.upload_file_id and job_upload_parts, which are cleared in the same transaction
 * that adds its row here, so the next part starts a fresh upload.
 *
 * jobs.expected_bytes: the size a link announced (Content-Length), written by the worker that
 * downloads it, so the status can say during the download that the result will come in parts.
 */
export const up = `
ALTER TABLE jobs ADD COLUMN expected_bytes INTEGER;     -- a link's Content-Length, once its headers arrived

CREATE TABLE job_result_parts (
  job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  part       INTEGER NOT NULL,                  -- 0-based, in the order of the outcome's parts
  message_id INTEGER,                           -- the message carrying it; NULL when the send was a duplicate
  sent_at    INTEGER NOT NULL,                  -- ms since the epoch
  PRIMARY KEY (job_id, part)
) STRICT;
`;
