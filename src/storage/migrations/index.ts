/**
 * The schema's history, oldest first. A migration is never edited once it has shipped: a change is
 * a new file NNN-name.ts exporting `up` (plain SQL, no BEGIN/COMMIT: the runner wraps all pending
 * migrations in one transaction) and one new line below.
 */
import type { Migration } from '../migrate.js';
import { up as core } from './001-core.js';
import { up as updates } from './002-updates.js';
import { up as jobs } from './003-jobs.js';
import { up as updateStateOwner } from './004-update-state-owner.js';
import { up as admin } from './005-admin.js';
import { up as userSettings } from './006-user-settings.js';
import { up as quotas } from './007-quotas.js';
import { up as resultParts } from './008-result-parts.js';

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core', up: core },
  { version: 2, name: 'updates', up: updates },
  { version: 3, name: 'jobs', up: jobs },
  { version: 4, name: 'update-state-owner', up: updateStateOwner },
  { version: 5, name: 'admin', up: admin },
  { version: 6, name: 'user-settings', up: userSettings },
  { version: 7, name: 'quotas', up: quotas },
  { version: 8, name: 'result-parts', up: resultParts },
];
