/**
 * The layering rules of docs/architecture.md, checked by a machine: GramJS stays under
 * src/telegram/ (and the emulator, which uses its TL classes), SQLite under src/storage/ (and
 * the emulator's own world), process.env under src/config/, and the emulator imports nothing
 * of Courier's so that a bug shared by both sides cannot pass every test.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s+'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

const files = sourceFiles(SRC).map((path) => ({ path, rel: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));
const under = (rel: string, ...dirs: string[]) => dirs.some((d) => rel.startsWith(d));

describe('architecture boundaries', () => {
  it('finds the source tree', () => {
    expect(files.length).to.be.greaterThan(50);
  });

  it('GramJS is imported only under src/telegram/, src/emulator/ and the developer tools (src/tools/)', () => {
    const offenders = files
      .filter((f) => !under(f.rel, 'src/telegram/', 'src/emulator/', 'src/tools/'))
      .filter((f) => importsOf(f.text).some((m) => m === 'telegram' || m.startsWith('telegram/')))
      .map((f) => f.rel);
    expect(offenders).to.deep.equal([]);
  });

  it('better-sqlite3 is imported only under src/storage/ and src/emulator/', () => {
    const offenders = files
      .filter((f) => !under(f.rel, 'src/storage/', 'src/emulator/'))
      .filter((f) => importsOf(f.text).includes('better-sqlite3'))
      .map((f) => f.rel);
    expect(offenders).to.deep.equal([]);
  });

  it('process.env is read only under src/config/', () => {
    const offenders = files.filter((f) => !under(f.rel, 'src/config/') && /process\.env\b/.test(f.text)).map((f) => f.rel);
    expect(offenders).to.deep.equal([]);
  });

  it('the emulator imports nothing from the rest of src/', () => {
    const offenders: string[] = [];
    for (const f of files.filter((x) => under(x.rel, 'src/emulator/'))) {
      for (const spec of importsOf(f.text).filter((m) => m.startsWith('.'))) {
        const target = relative(ROOT, resolve(dirname(f.path), spec)).split(sep).join('/');
        if (!target.startsWith('src/emulator/')) offenders.push(`${f.rel} -> ${spec}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });

  it('nothing below the bot imports src/bot/ (types of the port contract excepted: they carry no code)', () => {
    const offenders: string[] = [];
    for (const f of files.filter((x) => under(x.rel, 'src/storage/', 'src/config/', 'src/jobs/', 'src/transfer/', 'src/media/', 'src/emulator/'))) {
      const typeOnly = new Set([...f.text.matchAll(/import\s+type\s[^;]*?from\s+'([^']+)'/g)].map((m) => m[1]));
      for (const spec of importsOf(f.text).filter((m) => m.startsWith('.'))) {
        const target = relative(ROOT, resolve(dirname(f.path), spec)).split(sep).join('/');
        if (target === 'src/bot/port.js' && typeOnly.has(spec)) continue;
        if (target.startsWith('src/bot/')) offenders.push(`${f.rel} -> ${spec}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
