// Worker bootstrap for running a TypeScript worker module under tsx (see startModuleWorker in
// moduleWorker.ts): Node 20 does not carry the parent's loader into worker threads, so this plain
// JavaScript file registers tsx first, then imports the real entry named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsEntry);
