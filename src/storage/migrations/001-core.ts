/** The key-value table: small pieces of state that need no table of their own (see kvRepository.ts). */
export const up = `
CREATE TABLE kv (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER            -- ms since the epoch of the last set()
) STRICT;
`;
