/**
 * The layering rules of docs/architecture.md, checked by a machine against the real import graph
 * (static, type-only, re-exports and dynamic imports all count: a type import is still a
 * dependency a reader has to follow).
 *
 * - GramJS stays under src/telegram/ (and the emulator, which uses its TL classes, and the
 *   developer tools in src/tools/); SQLite under src/storage/ (and the emulator's own world);
 *   process.env under src/config/.
 * - The emulator imports nothing of Courier's, so a bug shared by both sides cannot pass every test.
 * - src/domain/ is the bottom room: it imports nothing of Courier's. Storage imports only the
 *   domain, config and log. Media and transfer do not import jobs. Only app.ts and main.ts import
 *   the bot. No circle between the top-level rooms of src/ and workers/.
 * - Rooms stay readable: at most 12 source files side by side in a folder (the emulator is a world
 *   of its own) and no source file over 450 lines.
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

/** Module specifiers of static imports, type imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s+'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

const toPosix = (path: string) => path.split(sep).join('/');
const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'workers'))].map((path) => ({
  path,
  rel: toPosix(relative(ROOT, path)),
  text: readFileSync(path, 'utf8'),
}));
const under = (rel: string, ...dirs: string[]) => dirs.some((d) => rel.startsWith(d));

/** Courier files each file imports, as repository-relative paths ('.js' specifiers name '.ts' files). */
const edges = files.map((f) => ({
  from: f.rel,
  to: importsOf(f.text)
    .filter((m) => m.startsWith('.'))
    .map((spec) => toPosix(relative(ROOT, resolve(dirname(f.path), spec))).replace(/\.js$/, '.ts')),
}));

/** The top-level room of a path: src/<folder>, src/app.ts / src/main.ts on their own, or workers. */
function roomOf(rel: string): string {
  const parts = rel.split('/');
  if (parts[0] === 'workers') return 'workers';
  return `src/${parts[1]!.replace(/\.ts$/, '')}`;
}

const roomEdges = new Map<string, Set<string>>();
for (const { from, to } of edges) {
  for (const target of to) {
    const a = roomOf(from);
    const b = roomOf(target);
    if (a === b) continue;
    if (!roomEdges.has(a)) roomEdges.set(a, new Set());
    roomEdges.get(a)!.add(b);
  }
}

function importersOf(rooms: string[], allowedFrom: (rel: string) => boolean): string[] {
  return edges.flatMap(({ from, to }) => (allowedFrom(from) ? [] : to.filter((t) => rooms.includes(roomOf(t))).map((t) => `${from} -> ${t}`)));
}

function importsOutside(room: string, allowed: string[]): string[] {
  return edges
    .filter(({ from }) => roomOf(from) === room)
    .flatMap(({ from, to }) => to.filter((t) => roomOf(t) !== room && !allowed.includes(roomOf(t))).map((t) => `${from} -> ${t}`));
}

/** Every circle in the room graph, each as "a -> b -> a" (Tarjan's strongly connected components). */
function roomCircles(): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of roomEdges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) circles.push(component.sort().join(' <-> '));
    }
  };
  for (const room of new Set(files.map((f) => roomOf(f.rel)))) if (!index.has(room)) visit(room);
  return circles;
}

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
    expect(importsOutside('src/emulator', [])).to.deep.equal([]);
  });

  it('the bottom room (src/domain/) imports nothing of Courier’s', () => {
    expect(importsOutside('src/domain', [])).to.deep.equal([]);
  });

  it('storage imports only the domain, config and log', () => {
    expect(importsOutside('src/storage', ['src/domain', 'src/config', 'src/log'])).to.deep.equal([]);
  });

  it('media and transfer do not import jobs', () => {
    const offenders = edges
      .filter(({ from }) => ['src/media', 'src/transfer'].includes(roomOf(from)))
      .flatMap(({ from, to }) => to.filter((t) => roomOf(t) === 'src/jobs').map((t) => `${from} -> ${t}`));
    expect(offenders).to.deep.equal([]);
  });

  it('only the composition root (app.ts) and the command line (main.ts) import the bot', () => {
    expect(importersOf(['src/bot'], (rel) => ['src/app', 'src/main', 'src/bot'].includes(roomOf(rel)))).to.deep.equal([]);
  });

  it('no circle between the top-level rooms of src/ and workers/', () => {
    expect(roomCircles()).to.deep.equal([]);
  });

  it('no folder outside the emulator holds more than 12 source files side by side', () => {
    const perFolder = new Map<string, number>();
    for (const f of files.filter((x) => !under(x.rel, 'src/emulator/') && !x.rel.endsWith('.d.ts'))) {
      const folder = dirname(f.rel);
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    const crowded = [...perFolder].filter(([, count]) => count > 12).map(([folder, count]) => `${folder}: ${count}`);
    expect(crowded).to.deep.equal([]);
  });

  it('no source file is over 450 lines', () => {
    const long = files.map((f) => ({ rel: f.rel, lines: f.text.split('\n').length })).filter((f) => f.lines > 450);
    expect(long.map((f) => `${f.rel}: ${f.lines}`)).to.deep.equal([]);
  });
});
