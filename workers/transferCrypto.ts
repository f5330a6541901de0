/**
 * The Piscina entry of the transfer crypto thread, thin on purpose: the tasks are
 * src/telegram/files/crypto/cryptoThread.ts. Exports every task by the name the pool calls and
 * its own resolved filename (see workers/media.ts for why both).
 */
import { fileURLToPath } from 'node:url';

export { open, seal } from '../src/telegram/files/crypto/cryptoThread.js';

export const filename = fileURLToPath(import.meta.url);
