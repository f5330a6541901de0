/**
 * File sizes, split into a number and a unit so each language writes them its own way ("2.6 MB",
 * "2,6 МБ", "۲٫۶ مگابایت"). The steps are those of src/media/processInfo.ts formatBytes (1024-based,
 * one decimal below 10, whole numbers from 10 up), so an English size reads the same in an offer
 * and in a file's Info; test/unit/texts/catalogue.test.ts holds the two together.
 */

/** B, KB, MB, GB. */
export type SizeUnit = 0 | 1 | 2 | 3;

export interface SizeParts {
  /** The number as ASCII digits with a "." decimal point, e.g. "2.6" or "30". */
  value: string;
  unit: SizeUnit;
}

export function sizeParts(bytes: number): SizeParts {
  if (bytes < 1024) return { value: String(bytes), unit: 0 };
  let value = bytes / 1024;
  let unit: SizeUnit = 1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit = (unit + 1) as SizeUnit;
  }
  return { value: value >= 10 ? value.toFixed(0) : value.toFixed(1), unit };
}
