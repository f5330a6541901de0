/**
 * Left-to-right runs inside right-to-left (Persian) text. A file name, a link, a /command or a
 * token such as "720p" set into Persian text is wrapped in a first-strong isolate, FSI U+2068 ...
 * PDI U+2069 (unicode.org/reports/tr9, "Explicit Directional Isolates"): the run keeps its own
 * direction and neither reorders its neighbours (brackets, punctuation, numbers) nor decides the
 * direction of the paragraph. Isolates need no guessing about what surrounds them, unlike LRM/RLM
 * marks or embeddings, so they are the only bidi marks the catalogue uses.
 */

export const FSI = '\u2068';
export const PDI = '\u2069';

/** Every bidi control: marks, embeddings, overrides and isolates. */
export const BIDI_CONTROLS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `run` between FSI and PDI. Controls inside the run are dropped: a file name is the user's text,
 * and a stray PDI or override in it would close the isolate early or reorder what follows.
 */
export function isolate(run: string): string {
  return `${FSI}${run.replace(BIDI_CONTROLS, '')}${PDI}`;
}
