import { expect } from 'chai';
import { FfmpegProgressParser } from '../../../src/media/progress.js';

// Written in the shape ffmpeg prints with `-progress pipe:1` (values made up for a 10 s input).
const SAMPLE = [
  'frame=0',
  'fps=0.00',
  'stream_0_0_q=0.0',
  'bitrate=N/A',
  'total_size=48',
  'out_time_us=N/A',
  'out_time_ms=N/A',
  'out_time=N/A',
  'dup_frames=0',
  'drop_frames=0',
  'speed=N/A',
  'progress=continue',
  'frame=62',
  'fps=0.00',
  'bitrate= 120.5kbits/s',
  'total_size=39000',
  'out_time_us=2500000',
  'out_time_ms=2500000',
  'out_time=00:00:02.500000',
  'speed=4.98x',
  'progress=continue',
  'frame=250',
  'out_time_ms=9980000',
  'out_time=00:00:09.980000',
  'speed=5.01x',
  'progress=continue',
  'frame=251',
  'out_time_us=10000000',
  'out_time_ms=10000000',
  'out_time=00:00:10.000000',
  'speed=5x',
  'progress=end',
  '',
].join('\n');

describe('ffmpeg progress parsing', () => {
  it('turns each block into a percent of the duration, and the end block into 100', () => {
    const parser = new FfmpegProgressParser(10);
    const reports = parser.push(SAMPLE);
    expect(reports.map((r) => r.percent)).to.deep.equal([null, 25, 99, 100]);
    expect(reports[1]).to.deep.include({ outTimeSeconds: 2.5, speed: 4.98, done: false });
    expect(reports[2]?.outTimeSeconds, 'out_time_ms is microseconds in practice').to.equal(9.98);
    expect(reports[3]?.done).to.equal(true);
  });

  it('handles lines split across chunks and CRLF line ends', () => {
    const parser = new FfmpegProgressParser(4);
    const text = SAMPLE.replace(/\n/g, '\r\n');
    const reports = [];
    for (let i = 0; i < text.length; i += 7) reports.push(...parser.push(text.slice(i, i + 7)));
    expect(reports.map((r) => r.percent)).to.deep.equal([null, 62, 99, 100]);
  });

  it('falls back to out_time and reports no percent without a duration', () => {
    const withClock = new FfmpegProgressParser(3600).push('out_time=00:30:00.000000\nprogress=continue\n');
    expect(withClock[0]).to.deep.include({ outTimeSeconds: 1800, percent: 50 });
    const unknown = new FfmpegProgressParser(null).push('out_time_us=5000000\nprogress=continue\n');
    expect(unknown[0]).to.deep.include({ outTimeSeconds: 5, percent: null });
  });
});
