/**
 * How a result larger than Telegram's per-file limit is cut into numbered byte ranges (pure; no
 * I/O). Videos are cut by time instead (src/media/split/plan.ts), so each part plays; everything
 * else is cut into `name.ext.001`, `.002`, ... that join back byte for byte.
 *
 * The parts are not written to disk: each is a byte range of the one result file, uploaded with
 * positioned reads (upload.ts `range`). Copies would double the disk a 4 GB result needs (a full
 * disk is the commonest failure of the bots Courier replaces) and cost a full extra read and
 * write; a range costs nothing, survives a restart (the plan is stored with the job's outcome)
 * and uploads exactly the same bytes.
 *
 * The ranges are balanced, not "full parts and a crumb": 2000 MiB + 1 byte becomes two parts of
 * about 1000 MiB, not 2000 MiB and 1 byte. Every part but the last is a whole number of 512 KiB
 * upload parts, so no part needs more upload parts than the limit allows.
 */
import { MAX_PART_SIZE } from './uploadPlan.js';

export interface BytePart {
  /** 0-based. */
  index: number;
  /** [start, end) in the whole file. */
  start: number;
  end: number;
  /** The name the user sees: the whole file's name with .001, .002, ... */
  name: string;
}

/** Thrown for a plan that cannot be made (a bug in the caller's numbers, not the user's file). */
export class ResultPartsError extends Error {
  override readonly name = 'ResultPartsError';
}

function checkLimit(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < MAX_PART_SIZE || maxBytes % MAX_PART_SIZE !== 0) {
    throw new ResultPartsError(`A per-file limit of ${maxBytes} bytes is not a whole number of 512 KiB upload parts; it comes from upload_max_fileparts_default × 512 KiB.`);
  }
}

/** How many files of at most `maxBytes` a result of `size` bytes needs (1 when it fits). */
export function partsNeeded(size: number, maxBytes: number): number {
  checkLimit(maxBytes);
  return Math.max(1, Math.ceil(size / maxBytes));
}

/** The numbered suffix of part `index` of `count`: ".001" (three digits at least, more past 999). */
export function partName(fileName: string, index: number, count: number): string {
  const width = Math.max(3, String(count).length);
  return `${fileName}.${String(index + 1).padStart(width, '0')}`;
}

/** Cuts `size` bytes into balanced ranges of at most `maxBytes`; one range when it fits. */
export function planByteParts(size: number, maxBytes: number, fileName: string): BytePart[] {
  if (!Number.isSafeInteger(size) || size <= 0) throw new ResultPartsError(`Cannot split a file of ${size} bytes.`);
  const count = partsNeeded(size, maxBytes);
  // Balanced, rounded up to whole upload parts; never above the limit, since maxBytes is itself a
  // multiple of MAX_PART_SIZE and size / count <= maxBytes.
  let per = Math.ceil(size / count / MAX_PART_SIZE) * MAX_PART_SIZE;
  // Rounding up may leave the last range empty (tiny files over a tiny limit): then full ranges.
  if ((count - 1) * per >= size) per = maxBytes;
  return Array.from({ length: count }, (_, index) => ({
    index,
    start: index * per,
    end: index === count - 1 ? size : (index + 1) * per,
    name: count === 1 ? fileName : partName(fileName, index, count),
  }));
}

/** A file name as one shell word: bare when it is plain, else in quotes. */
function quoted(name: string, quote: "'" | '"'): string {
  if (/^[A-Za-z0-9._+-]+$/.test(name)) return name;
  return quote === "'" ? `'${name.replace(/'/g, `'\\''`)}'` : `"${name.replace(/"/g, '')}"`;
}

/**
 * The commands that join the parts again: `cat name.ext.0* > name.ext` (Linux, macOS) and
 * `copy /b name.ext.001+name.ext.002 name.ext` (Windows). The glob matches .001-.099 in order;
 * with 100 parts or more it names them all instead.
 */
export function joinCommands(fileName: string, count: number): { unix: string; windows: string } {
  const names = Array.from({ length: count }, (_, i) => partName(fileName, i, count));
  const unixParts = count < 100 ? `${quoted(fileName, "'")}.0*` : names.map((n) => quoted(n, "'")).join(' ');
  return {
    unix: `cat ${unixParts} > ${quoted(fileName, "'")}`,
    windows: `copy /b ${names.map((n) => quoted(n, '"')).join('+')} ${quoted(fileName, '"')}`,
  };
}
