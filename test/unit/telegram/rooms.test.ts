/**
 * The shape of src/telegram/, checked by a machine (house style: small files, rooms named after
 * what they do, arrows pointing one way): no folder holds more than 12 source files side by
 * side, no file is over 400 lines, the sub-rooms import each other without a cycle, rpc/ imports
 * no other sub-room, and each sub-room says in an opening comment what lives there.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TELEGRAM = join(ROOT, 'src/telegram');

const isSource = (name: string) => /\.(ts|mts)$/.test(name);
const rel = (path: string) => relative(ROOT, path).split(sep).join('/');

function folders(dir: string): string[] {
  return [dir, ...readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? folders(join(dir, name)) : []))];
}
const sourceFiles = folders(TELEGRAM).flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => isSource(name) && statSync(join(dir, name)).isFile())
    .map((name) => join(dir, name)),
);

/** The sub-room a file of src/telegram/ lives in ('' for the room's own top level). */
const roomOf = (path: string) => {
  const inside = relative(TELEGRAM, path).split(sep);
  return inside.length > 1 ? inside[0]! : '';
};

/** Relative module specifiers, resolved to files under src/telegram/. */
function telegramImportsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specs = [...text.matchAll(/\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);
  return specs.map((spec) => resolve(dirname(path), spec.replace(/\.js$/, '.ts'))).filter((target) => target.startsWith(TELEGRAM + sep));
}

describe('the rooms of src/telegram', () => {
  it('no folder holds more than 12 source files side by side', () => {
    const crowded = folders(TELEGRAM)
      .map((dir) => ({ dir: rel(dir), files: readdirSync(dir).filter(isSource).length }))
      .filter((f) => f.files > 12);
    expect(crowded).to.deep.equal([]);
  });

  it('no source file is over 400 lines', () => {
    const long = sourceFiles.map((path) => ({ file: rel(path), lines: readFileSync(path, 'utf8').split('\n').length })).filter((f) => f.lines > 400);
    expect(long).to.deep.equal([]);
  });

  it('the sub-rooms import each other without a cycle, and rpc/ imports none of them', () => {
    const edges = new Map<string, Set<string>>();
    for (const path of sourceFiles) {
      for (const target of telegramImportsOf(path)) {
        const from = roomOf(path);
        const to = roomOf(target);
        if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    expect([...(edges.get('rpc') ?? [])], 'rpc/ imports').to.deep.equal([]);
    const cycles: string[] = [];
    const walk = (room: string, path: string[]) => {
      for (const next of edges.get(room) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].map((r) => r || '(top)').join(' -> '));
        else walk(next, [...path, next]);
      }
    };
    for (const room of edges.keys()) walk(room, [room]);
    expect([...new Set(cycles)]).to.deep.equal([]);
  });

  it('each sub-room opens one of its files with a paragraph on what lives there', () => {
    const rooms = readdirSync(TELEGRAM).filter((name) => statSync(join(TELEGRAM, name)).isDirectory());
    const silent = rooms.filter((room) => {
      const opening = (path: string) => /^\/\*\*[\s\S]*?\*\//.exec(readFileSync(path, 'utf8'))?.[0] ?? '';
      return !sourceFiles.some((path) => roomOf(path) === room && opening(path).includes(`src/telegram/${room}/`));
    });
    expect(silent).to.deep.equal([]);
  });
});
