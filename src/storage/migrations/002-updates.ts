/**
 * Durable catch-up (see updateStateRepository.ts and inboxRepository.ts).
 *
 * update_state and channel_state hold where Courier is in Telegram's update sequences, so that
 * after a restart it asks updates.getDifference / updates.getChannelDifference for exactly what it
 * missed (https://core.telegram.org/api/updates). inbox holds every update Courier accepted and
 * whether it has been handled; it is written in the same transaction as the state, so the state
 * never claims an update that is not in the inbox.
 */
export const up = `
CREATE TABLE update_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),   -- one row: the account's common sequence
  pts        INTEGER NOT NULL,
  qts        INTEGER NOT NULL,
  date       INTEGER NOT NULL,                     -- seconds, as Telegram sends it
  seq        INTEGER NOT NULL,
  updated_at INTEGER NOT NULL                      -- ms since the epoch
) STRICT;

-- Each channel (and supergroup) has its own pts sequence.
CREATE TABLE channel_state (
  channel_id TEXT PRIMARY KEY,
  pts        INTEGER NOT NULL
) STRICT;

CREATE TABLE inbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,   -- arrival order; AUTOINCREMENT never reuses an id
  update_key  TEXT NOT NULL UNIQUE,                -- "msg:<chatKey>:<messageId>", "cbq:<queryId>": a live and a recovered copy collapse
  chat_key    TEXT NOT NULL,                       -- updates of one chat are handled in id order
  kind        TEXT NOT NULL,
  payload     TEXT NOT NULL,                       -- JSON of a plain-data event
  sent_at     INTEGER NOT NULL,                    -- the message date, seconds
  received_at INTEGER NOT NULL,                    -- ms since the epoch
  recovered   INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1)),  -- 1: came through getDifference
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  handled_at  INTEGER                              -- ms; NULL while pending
) STRICT;

CREATE INDEX inbox_pending_by_chat ON inbox (status, chat_key, id);

-- One row per catch-up run, for operators ("the bot was offline for 3 h, recovered 50 updates").
CREATE TABLE catchup_log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at      INTEGER NOT NULL,                -- ms
  finished_at     INTEGER,                         -- ms; NULL: still running, or the process died during it
  recovered       INTEGER NOT NULL DEFAULT 0,      -- updates recovered into the inbox
  skipped_pts     INTEGER NOT NULL DEFAULT 0,      -- pts Telegram no longer had (differenceTooLong): updates lost
  offline_seconds INTEGER NOT NULL                 -- now minus the stored state's date when the run began
) STRICT;
`;
