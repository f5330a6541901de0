/**
 * The admin side (issue 12): who talks to the bot (users), persistent dialogs, the admin audit
 * trail, durable broadcasts, and the indexes the /stats queries need on the big tables (inbox,
 * jobs), so that none of them scans a table of a million rows (test/unit/storage/statsPlan.test.ts
 * checks the query plans).
 */
export const up = `
-- One row per user who wrote to the bot in a private chat (upserted as updates are handled).
CREATE TABLE users (
  user_id     TEXT PRIMARY KEY,                  -- decimal
  access_hash TEXT,                              -- for sending to them later (broadcast)
  lang        TEXT,                              -- their client's lang_code, last seen
  first_seen  INTEGER NOT NULL,                  -- ms since the epoch
  last_seen   INTEGER NOT NULL,                  -- ms
  banned      INTEGER NOT NULL DEFAULT 0 CHECK (banned IN (0, 1)),
  blocked     INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),      -- USER_IS_BLOCKED: they blocked the bot
  deactivated INTEGER NOT NULL DEFAULT 0 CHECK (deactivated IN (0, 1))   -- INPUT_USER_DEACTIVATED: account deleted
) STRICT;
CREATE INDEX users_by_last_seen ON users (last_seen);
CREATE INDEX users_by_first_seen ON users (first_seen);
CREATE INDEX users_unreachable ON users (user_id) WHERE banned = 1 OR blocked = 1 OR deactivated = 1;

-- COUNT(*) over a million users is a full scan: the total is kept by a trigger (users are never deleted).
CREATE TABLE user_count (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  total INTEGER NOT NULL
) STRICT;
INSERT INTO user_count (id, total) VALUES (1, 0);
CREATE TRIGGER users_counted AFTER INSERT ON users BEGIN
  UPDATE user_count SET total = total + 1 WHERE id = 1;
END;

-- A dialog: what the bot waits for from one user in one chat (src/bot/dialogs.ts).
CREATE TABLE dialogs (
  chat_key   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  waiting    TEXT NOT NULL,                      -- e.g. 'admin.broadcast.message'
  data       TEXT NOT NULL,                      -- JSON
  expires_at INTEGER NOT NULL,                   -- ms
  version    INTEGER NOT NULL,                   -- +1 on every move
  moved_by   TEXT NOT NULL,                      -- the update key that made this state
  previous   TEXT,                               -- JSON of the state before moved_by (NULL: none)
  PRIMARY KEY (chat_key, user_id)
) STRICT;

CREATE TABLE admin_audit (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  admin_id TEXT NOT NULL,
  action   TEXT NOT NULL,                        -- 'ban', 'unban', 'broadcast.send', 'job.cancel', ...
  detail   TEXT NOT NULL,                        -- JSON
  at       INTEGER NOT NULL,                     -- ms
  origin   TEXT UNIQUE                           -- the update that did it: handled twice, written once
) STRICT;

CREATE TABLE broadcasts (
  id           TEXT PRIMARY KEY,                 -- derived from the admin's update (exactly once)
  admin_id     TEXT NOT NULL,
  admin_chat   TEXT NOT NULL,                    -- ChatRef JSON: where the progress message lives
  text         TEXT NOT NULL,                    -- the text, or the caption of the media
  media        TEXT,                             -- MediaRef JSON: a file sent again by reference
  state        TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done')),
  progress_message_id INTEGER,
  lang         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  finished_at  INTEGER
) STRICT;

CREATE TABLE broadcast_recipients (
  broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL,
  access_hash  TEXT,
  outcome      TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'sent', 'blocked', 'deactivated', 'failed')),
  error        TEXT,
  PRIMARY KEY (broadcast_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX broadcast_pending ON broadcast_recipients (broadcast_id, outcome);

-- /stats on the big tables.
CREATE INDEX inbox_by_handled_at ON inbox (handled_at) WHERE handled_at IS NOT NULL;
-- state first: "jobs that ended today" is one range per end state, not every job ever done.
CREATE INDEX jobs_by_state_time ON jobs (state, updated_at, action, created_at);
CREATE INDEX jobs_by_user_state ON jobs (user_id, state);
`;
