/** Numbers as Persian readers expect them: Persian digits (۰-۹) and the Persian decimal separator (٫). */
const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';

/** 12.5 -> "۱۲٫۵". */
export function persianNumber(value: number | string): string {
  return String(value)
    .replace(/[0-9]/g, (d) => PERSIAN_DIGITS[Number(d)]!)
    .replace('.', '٫');
}
