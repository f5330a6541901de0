/**
 * Whose update state it is (see updateStateRepository.ts claimUpdateState).
 *
 * pts, qts and seq only mean something for one account on one server: a database carried from one
 * sandbox world to another, or from one bot to another, holds numbers the new server never gave,
 * and taken at face value they make every live update look old. update_state_owner names the
 * account (the bot's user id) and the server ("telegram", or "sandbox:<RSA key fingerprint>" for
 * an emulator world) the stored state belongs to. A state that turns out to be someone else's,
 * or ahead of what its server says, is moved to update_state_aside rather than deleted.
 */
export const up = `
CREATE TABLE update_state_owner (
  id         INTEGER PRIMARY KEY CHECK (id = 1),   -- one row, like update_state
  account_id TEXT NOT NULL,                        -- the logged-in bot's user id (decimal)
  server     TEXT NOT NULL,                        -- 'telegram' or 'sandbox:<rsa fingerprint>'
  claimed_at INTEGER NOT NULL                      -- ms since the epoch
) STRICT;

CREATE TABLE update_state_aside (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id  TEXT,                                -- NULL: stored before owners were recorded
  server      TEXT,
  pts         INTEGER NOT NULL,
  qts         INTEGER NOT NULL,
  date        INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  channels    TEXT NOT NULL,                       -- JSON: channel id -> pts
  reason      TEXT NOT NULL CHECK (reason IN ('other owner', 'ahead of server')),
  set_aside_at INTEGER NOT NULL                    -- ms since the epoch
) STRICT;
`;
