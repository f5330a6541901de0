/**
 * The README's table of configuration keys, rendered from the schema so the two cannot disagree.
 * Print it with: node --import tsx -e "import('./src/config/index.ts').then(m => console.log(m.configKeysTable()))"
 */
import { configSchema, DEFAULT_SHOWN, SECRET_KEYS } from './schema.js';
import { configKeys, envVarFor } from './schemaKeys.js';

/** A Markdown table: key, environment variable, default, meaning; one row per value key. */
export function configKeysTable(): string {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const rows = configKeys()
    .filter((k) => !k.isSection)
    .map((k) => {
      const shown = DEFAULT_SHOWN[k.key] ?? showDefault(k.segments.reduce<unknown>((node, s) => (node as Record<string, unknown>)[s], defaults));
      const meaning = SECRET_KEYS.has(k.key) ? `${k.description} **secret**` : k.description;
      return `| \`${k.key}\` | \`${envVarFor(k.key)}\` | ${shown} | ${escapeCell(meaning)} |`;
    });
  return ['| key | environment variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

function showDefault(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}
