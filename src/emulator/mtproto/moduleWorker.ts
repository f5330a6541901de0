/**
 * Starts a worker thread on one of the emulator's ES modules, whether the emulator runs as
 * compiled JavaScript or as TypeScript under tsx.
 *
 * Why the detour: Node 20 neither carries the parent's tsx loader into worker threads nor honours
 * --import for a worker's entry file, so for a .ts entry a plain-JS bootstrap (tsWorkerBoot.mjs)
 * registers tsx first, then imports the module.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function startModuleWorker(filename: string, workerData: Record<string, unknown>): Worker {
  if (!filename.endsWith('.ts')) return new Worker(filename, { workerData });
  const boot = fileURLToPath(new URL('./tsWorkerBoot.mjs', import.meta.url));
  return new Worker(boot, { workerData: { ...workerData, tsEntry: pathToFileURL(filename).href } });
}

/** The path of a module next to `importMetaUrl`, with the caller's own extension (.ts under tsx, .js compiled). */
export function siblingModule(importMetaUrl: string, basename: string): string {
  const self = fileURLToPath(importMetaUrl);
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${basename}${ext}`, importMetaUrl));
}
