/**
 * The Piscina entry for media jobs, thin on purpose: the tasks are src/jobs/pool/tasks.ts. It
 * exports every task by the name the pool calls (on Node 20, Piscina falls back to import() for a
 * missing export, which has no TypeScript loader inside worker threads) and its own resolved
 * filename, so callers never hard-code a path.
 */
import { fileURLToPath } from 'node:url';

export { fetchLink, hashFile, process } from '../src/jobs/pool/tasks.js';

export const filename = fileURLToPath(import.meta.url);
