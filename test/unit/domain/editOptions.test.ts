/**
 * The answers of the Trim, Rename and Compress to size questions: what a user may type, what is
 * refused and why, and the job options they become (read back by the media worker).
 */
import { expect } from 'chai';
import {
  decodeSizeOption,
  decodeTrimOption,
  encodeSizeOption,
  encodeTrimOption,
  formatClock,
  hasDigits,
  MB,
  MIN_VIDEO_KBPS,
  minimumTargetBytes,
  parseClock,
  parseMegabytes,
  parseTimeRange,
  planSizeTarget,
  renamedFileName,
  sanitizeFileName,
  SIZE_MARGIN,
} from '../../../src/domain/editOptions.js';

describe('dialog answers: times and ranges', () => {
  it('reads seconds, m:ss and h:mm:ss, with a fraction, in ASCII or Persian digits', () => {
    expect(parseClock('85')).to.equal(85);
    expect(parseClock('1:25')).to.equal(85);
    expect(parseClock('01:25.5')).to.equal(85.5);
    expect(parseClock('1:02:03')).to.equal(3723);
    expect(parseClock('۱:۲۵')).to.equal(85);
    expect(parseClock('0,5')).to.equal(0.5);
  });

  it('refuses seconds or minutes of 60 and more inside a clock, and what is not a time', () => {
    expect(parseClock('1:75')).to.equal(null);
    expect(parseClock('1:60:00')).to.equal(null);
    expect(parseClock('abc')).to.equal(null);
    expect(parseClock('1:2:3:4')).to.equal(null);
    expect(parseClock('-5')).to.equal(null);
  });

  it('writes times back the way users type them', () => {
    expect(formatClock(2)).to.equal('0:02');
    expect(formatClock(85.5)).to.equal('1:25.5');
    expect(formatClock(3723)).to.equal('1:02:03');
  });

  it('accepts the range with a space, a hyphen, a dash or a "to" (en, ru, fa) between the ends', () => {
    for (const text of ['0:10 1:25', '0:10-1:25', '0:10 - 1:25', '0:10 – 1:25', ' 10   85 ', '0:10 to 1:25', '0:10 до 1:25', '۰:۱۰ تا ۱:۲۵']) {
      expect(parseTimeRange(text, 100), text).to.deep.equal({ ok: true, startSeconds: 10, endSeconds: 85 });
    }
  });

  it('names what is wrong: unreadable, backwards, empty, or past the end of the file', () => {
    expect(parseTimeRange('0:10', 100)).to.deep.equal({ ok: false, problem: 'unparsable' });
    expect(parseTimeRange('0:10 1:25 2:00', 100)).to.deep.equal({ ok: false, problem: 'unparsable' });
    expect(parseTimeRange('0:1x 5', 100)).to.deep.equal({ ok: false, problem: 'unparsable' });
    expect(parseTimeRange('0:05 0:02', 100)).to.deep.equal({ ok: false, problem: 'endBeforeStart', start: 5, end: 2 });
    expect(parseTimeRange('0:05 0:05', 100)).to.deep.equal({ ok: false, problem: 'empty', at: 5 });
    expect(parseTimeRange('0:07 0:20', 8)).to.deep.equal({ ok: false, problem: 'beyondDuration', end: 20, duration: 8 });
    expect(parseTimeRange('0:09 0:10', 8)).to.deep.equal({ ok: false, problem: 'beyondDuration', end: 10, duration: 8 });
  });

  it('takes an end just past a rounded duration as the end, and any end when the duration is unknown', () => {
    expect(parseTimeRange('0:02 0:08.4', 8)).to.deep.equal({ ok: true, startSeconds: 2, endSeconds: 8 });
    expect(parseTimeRange('1:00 2:00', null)).to.deep.equal({ ok: true, startSeconds: 60, endSeconds: 120 });
    expect(parseTimeRange('1:00 2:00', Number.POSITIVE_INFINITY)).to.deep.equal({ ok: true, startSeconds: 60, endSeconds: 120 });
  });

  it('tells a possible answer (it has a digit) from chatter', () => {
    expect(hasDigits('0:10 1:25')).to.equal(true);
    expect(hasDigits('۱۰')).to.equal(true);
    expect(hasDigits('hello?')).to.equal(false);
  });

  it('turns a range into the job option and back, and refuses forged options', () => {
    const option = encodeTrimOption({ startSeconds: 10.5, endSeconds: 85 });
    expect(option).to.equal('10.5-85');
    expect(decodeTrimOption(option)).to.deep.equal({ startSeconds: 10.5, endSeconds: 85 });
    for (const forged of [undefined, '', '5-2', '1-1', '-1-5', '1-5;rm', '1e3-5']) expect(decodeTrimOption(forged), String(forged)).to.equal(null);
  });
});

describe('dialog answers: file names', () => {
  it('drops control and bidi characters, turns separators into "_", removes leading and trailing dots', () => {
    expect(sanitizeFileName('../../etc/passwd')).to.equal('_.._etc_passwd');
    expect(sanitizeFileName('a\\b:c*d?"e<f>|g')).to.equal('a_b_c_d__e_f__g');
    expect(sanitizeFileName('evil\u202Egpj.exe')).to.equal('evilgpj.exe');
    expect(sanitizeFileName('line\nbreak\ttab')).to.equal('linebreaktab');
    expect(sanitizeFileName('...hidden')).to.equal('hidden');
    expect(sanitizeFileName('  spaced   out.  ')).to.equal('spaced out');
    expect(sanitizeFileName('...')).to.equal(null);
    expect(sanitizeFileName('//')).to.equal(null);
  });

  it("keeps the original extension unless the user typed one, and cuts long names keeping the extension", () => {
    expect(renamedFileName('Beach day', 'holiday.mp4')).to.equal('Beach day.mp4');
    expect(renamedFileName('Beach day.mkv', 'holiday.mp4')).to.equal('Beach day.mkv');
    expect(renamedFileName('notes', 'README')).to.equal('notes');
    expect(renamedFileName('سفر ۱۴۰۵', 'clip.mp4')).to.equal('سفر ۱۴۰۵.mp4');
    const long = renamedFileName('x'.repeat(500), 'clip.mp4')!;
    expect(long).to.have.length(120);
    expect(long.endsWith('.mp4')).to.equal(true);
    expect(renamedFileName('\u0000\u0001', 'clip.mp4')).to.equal(null);
  });
});

describe('dialog answers: target sizes', () => {
  it('reads a number of MB with or without the unit, a comma or Persian digits', () => {
    expect(parseMegabytes('25')).to.equal(25);
    expect(parseMegabytes('25 MB')).to.equal(25);
    expect(parseMegabytes('7,5мб')).to.equal(7.5);
    expect(parseMegabytes('۷٫۵')).to.equal(7.5);
    expect(parseMegabytes('0')).to.equal(null);
    expect(parseMegabytes('ten')).to.equal(null);
    expect(parseMegabytes('25 GB')).to.equal(null);
  });

  it('plans rates that fit the target, with the margin and the one-second rate buffer', () => {
    const target = 20 * MB;
    const plan = planSizeTarget(target, 120, true)!;
    expect(plan.audioKbps).to.equal(96);
    // Audio for the whole duration plus video for duration + 1 s stays within target less the margin.
    const kilobits = plan.audioKbps * 120 + plan.videoKbps * 121;
    expect((kilobits * 1000) / 8).to.be.at.most(target * (1 - SIZE_MARGIN));
    expect((kilobits * 1000) / 8).to.be.above(target * (1 - SIZE_MARGIN) * 0.99);
    expect(plan.maxHeight).to.equal(720);
  });

  it('gives a silent video the whole budget and lowers audio and picture for small targets', () => {
    const silent = planSizeTarget(5 * MB, 60, false)!;
    expect(silent.audioKbps).to.equal(0);
    const tight = planSizeTarget(3 * MB, 120, true)!;
    expect(tight.audioKbps).to.equal(48);
    expect(tight.maxHeight).to.equal(240);
  });

  it('refuses targets below the minimum, and the minimum itself is plannable', () => {
    const minimum = minimumTargetBytes(600, true);
    expect(planSizeTarget(minimum, 600, true)!.videoKbps).to.be.at.least(MIN_VIDEO_KBPS - 1);
    expect(planSizeTarget(minimum * 0.9, 600, true)).to.equal(null);
    expect(minimumTargetBytes(600, false)).to.be.below(minimum);
  });

  it('turns the target into the job option and back', () => {
    expect(encodeSizeOption(7.5)).to.equal('7.5');
    expect(decodeSizeOption('7.5')).to.equal(7.5);
    expect(decodeSizeOption('0')).to.equal(null);
    expect(decodeSizeOption('1e9')).to.equal(null);
    expect(decodeSizeOption(undefined)).to.equal(null);
  });
});
