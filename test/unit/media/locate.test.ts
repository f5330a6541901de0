import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledNotice, locateFfmpeg, locateFfprobe, locateMediaTools, majorVersion, MediaToolNotFoundError } from '../../../src/media/locate.js';

async function fakeTool(dir: string, name: string, versionLine: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\necho "${versionLine}"\n`);
  await chmod(file, 0o755);
  return file;
}

describe('locating ffmpeg and ffprobe', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-locate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the configured path when it exists, is executable and runs', async () => {
    const file = await fakeTool(dir, 'my-ffmpeg', 'ffmpeg version 9.9-test');
    const found = await locateFfmpeg(file, { packagedPath: () => null });
    expect(found).to.deep.equal({ path: file, source: 'config', version: 'ffmpeg version 9.9-test' });
  });

  it('names media.ffmpegPath when the configured file is missing or not executable', async () => {
    const missing = join(dir, 'nope');
    const e1 = await locateFfmpeg(missing).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(MediaToolNotFoundError);
    expect((e1 as Error).message).to.contain('media.ffmpegPath').and.contain('no file exists');

    const plain = join(dir, 'plain');
    await writeFile(plain, 'not a program');
    await chmod(plain, 0o644);
    const e2 = await locateFfmpeg(plain).catch((e: unknown) => e);
    expect((e2 as Error).message).to.contain('media.ffmpegPath').and.contain('not executable');

    const e3 = await locateFfprobe(dir).catch((e: unknown) => e);
    expect((e3 as Error).message).to.contain('media.ffprobePath').and.contain('not a file');
  });

  it('prefers a system binary on PATH over the packaged one', async () => {
    await fakeTool(dir, 'ffprobe', 'ffprobe version system');
    const found = await locateFfprobe(null, { searchPath: dir, packagedPath: () => '/never/used' });
    expect(found).to.deep.include({ path: 'ffprobe', source: 'system', version: 'ffprobe version system' });
  });

  it('falls back to the npm-packaged binary when PATH has none', async () => {
    const found = await locateFfmpeg(null, { searchPath: dir });
    expect(found.source).to.equal('bundled');
    expect(found.path).to.contain('@ffmpeg-installer');
    expect(found.version).to.match(/^ffmpeg version /);
    const probe = await locateFfprobe(null, { searchPath: dir });
    expect(probe.path).to.contain('@ffprobe-installer');
  });

  it('with only the bundled build, tells the admins so; media.requireSystemFfmpeg refuses it', async () => {
    const tools = await locateMediaTools({ ffmpegPath: null, ffprobePath: null, requireSystemFfmpeg: false }, { searchPath: dir });
    expect(tools.ffmpeg.source).to.equal('bundled');
    expect(tools.notice).to.contain('bundled 2018 build').and.contain('apt install ffmpeg').and.contain('media.requireSystemFfmpeg');

    const error = await locateMediaTools({ ffmpegPath: null, ffprobePath: null, requireSystemFfmpeg: true }, { searchPath: dir }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MediaToolNotFoundError);
    expect((error as Error).message).to.contain('media.requireSystemFfmpeg is true').and.contain('set media.requireSystemFfmpeg to false');
  });

  it('a system ffmpeg 5 or newer gives no notice; an older one does', async () => {
    await fakeTool(dir, 'ffmpeg', 'ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers');
    await fakeTool(dir, 'ffprobe', 'ffprobe version 5.1.6-0+deb12u1');
    const tools = await locateMediaTools({ ffmpegPath: null, ffprobePath: null, requireSystemFfmpeg: true }, { searchPath: dir });
    expect(tools.ffmpeg.source).to.equal('system');
    expect(tools.notice).to.equal(null);
    expect(bundledNotice({ path: 'ffmpeg', source: 'system', version: 'ffmpeg version 4.4.2-0ubuntu0.22.04.1' })).to.contain('version 4');
    expect(majorVersion('ffmpeg version N-47683-g0e8eb07980-static')).to.equal(null);
    expect(majorVersion('ffmpeg version n6.1.1')).to.equal(6);
  });

  it('explains what to do when nothing works', async () => {
    const error = await locateFfmpeg(null, { searchPath: dir, packagedPath: () => null }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MediaToolNotFoundError);
    expect((error as Error).message).to.contain('media.ffmpegPath').and.contain('@ffmpeg-installer/ffmpeg').and.contain('apt install ffmpeg');
  });
});
