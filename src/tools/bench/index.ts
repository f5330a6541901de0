/**
 * `npm run bench -- NAME [args]`: each benchmark is a module in this folder that prints exactly one
 * JSON line ({"bench":NAME, ...figures}) and returns an exit code. The registry below is the one
 * list of names; an unknown name prints the known ones and exits 2.
 */
import { benchEmulator } from './emulator/emulator.js';
import { benchUpload } from './upload/upload.js';
import { benchDownload } from './download/download.js';
import { benchJobs } from './jobs.js';
import { benchCatchup } from './catchup/catchup.js';
import { benchLoad } from './load/load.js';
import { benchBroadcast } from './broadcast/broadcast.js';
import { BenchUsageError } from './benchUsageError.js';

export type Bench = (args: string[], out: (line: string) => void) => Promise<number>;

export const benches: Readonly<Record<string, Bench>> = {
  emulator: benchEmulator,
  upload: benchUpload,
  download: benchDownload,
  jobs: benchJobs,
  catchup: benchCatchup,
  load: benchLoad,
  broadcast: benchBroadcast,
};

export { BenchUsageError };

export async function runBench(name: string, args: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const bench = Object.hasOwn(benches, name) ? benches[name] : undefined;
  if (!bench) {
    out(`unknown bench "${name}"; known: ${Object.keys(benches).join(', ')}`);
    return 2;
  }
  try {
    return await bench(args, out);
  } catch (err) {
    if (err instanceof BenchUsageError) {
      out(err.message);
      return 2;
    }
    throw err;
  }
}
