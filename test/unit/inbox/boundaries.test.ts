/**
 * The inbox's place in the layout, checked by a machine: src/inbox/ imports only the rooms below it
 * (domain, storage, texts, config, log) and never src/bot/ or src/telegram/ (app.ts wires those in);
 * src/storage/ imports only domain, config and log. No SQL driver in the inbox: its SQL is in storage.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Where each import of the files under `room` leads: a src/ folder for relative ones, else the package. */
function importsOf(room: string): { file: string; target: string }[] {
  return sourceFiles(join(ROOT, room)).flatMap((path) => {
    const text = readFileSync(path, 'utf8');
    const specs = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);
    return specs.map((spec) => ({
      file: relative(ROOT, path).split(sep).join('/'),
      target: spec.startsWith('.') ? relative(ROOT, resolve(dirname(path), spec)).split(sep).join('/') : spec,
    }));
  });
}

const allowed = (target: string, rooms: string[], packages: string[]) =>
  rooms.some((room) => target.startsWith(`src/${room}/`) || target === `src/${room}.js`) || packages.includes(target) || target.startsWith('node:');

describe('inbox and storage boundaries', () => {
  it('src/inbox imports only domain, storage, texts, config, log (and itself)', () => {
    const imports = importsOf('src/inbox');
    expect(imports.length).to.be.greaterThan(10);
    const offenders = imports.filter((i) => !allowed(i.target, ['inbox', 'domain', 'storage', 'texts', 'config', 'log'], ['p-limit']));
    expect(offenders).to.deep.equal([]);
  });

  it('src/storage imports only domain, config and log (and itself), and better-sqlite3', () => {
    const offenders = importsOf('src/storage').filter((i) => !allowed(i.target, ['storage', 'domain', 'config', 'log'], ['better-sqlite3', 'zod']));
    expect(offenders).to.deep.equal([]);
  });
});
