/**
 * `npm run bench -- emulator [--parts N]`: the upload throughput the DC emulator accepts, with the
 * server's decrypt rate and GramJS's pure-JS AES-IGE encrypt rate as the baseline of the same run.
 * Prints one JSON line: {"bench":"emulator", ...}. See src/emulator/bench/uploadBench.ts for what
 * each figure measures.
 */
import { parseArgs } from 'node:util';
import { runUploadBench } from '../emulator/bench/uploadBench.js';
import { BenchUsageError } from './benchUsageError.js';

export async function benchEmulator(args: string[], out: (line: string) => void): Promise<number> {
  let parts: number | undefined;
  try {
    const { values } = parseArgs({ args, options: { parts: { type: 'string' } }, strict: true });
    if (values.parts !== undefined) {
      parts = Number(values.parts);
      if (!Number.isInteger(parts) || parts < 1 || parts > 4000) throw new BenchUsageError(`--parts must be an integer 1..4000, got ${values.parts}`);
    }
  } catch (err) {
    if (err instanceof BenchUsageError) throw err;
    throw new BenchUsageError(`emulator: ${err instanceof Error ? err.message : String(err)}; usage: bench emulator [--parts N]`);
  }
  const result = await runUploadBench(parts === undefined ? {} : { parts });
  out(JSON.stringify({ bench: 'emulator', ...result }));
  return 0;
}
