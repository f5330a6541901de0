import { expect } from 'chai';
import { ChatKeyboards, type KeyboardButton } from '../../../../src/tools/sandbox/keyboards.js';

const buttons = (...labels: string[]): KeyboardButton[] => labels.map((label) => ({ label, data: Buffer.from(label) }));

describe('sandbox chat keyboards', () => {
  it('after a job ends, the offer above it can still be pressed with /press MSG N', () => {
    const chat = new ChatKeyboards();
    chat.show(10, buttons('Audio', 'Video'));
    chat.show(11, buttons('Cancel'));
    // The job finishes: its progress message loses its button.
    chat.show(11, []);
    chat.show(12, buttons('Again'));
    expect(chat.resolve('/press 10 2')).to.deep.include({ kind: 'press', msgId: 10 });
    expect((chat.resolve('/press #10 1') as { button: KeyboardButton }).button.label).to.equal('Audio');
    expect(chat.resolve('/press 11 1')).to.deep.equal({ kind: 'problem', text: 'Message #11 has no buttons.' });
  });

  it('a bare number presses a button of the newest keyboard, as before', () => {
    const chat = new ChatKeyboards();
    expect(chat.resolve('1')).to.deep.equal({ kind: 'problem', text: 'No message with buttons yet.' });
    chat.show(10, buttons('Audio', 'Video'));
    chat.show(12, buttons('Again'));
    expect(chat.resolve('1')).to.deep.include({ msgId: 12 });
    expect(chat.resolve('2')).to.deep.include({ kind: 'problem' });
    // An edit that adds buttons makes that keyboard the newest.
    chat.show(10, buttons('Audio', 'Video', 'GIF'));
    expect((chat.resolve('3') as { msgId: number; button: KeyboardButton }).button.label).to.equal('GIF');
  });

  it('anything else is a message to send, and a malformed /press says how to use it', () => {
    const chat = new ChatKeyboards();
    chat.show(10, buttons('Audio'));
    expect(chat.resolve('hello 1')).to.equal(undefined);
    expect(chat.resolve('/file a.mp4')).to.equal(undefined);
    expect(chat.resolve('/press 10')).to.deep.include({ kind: 'problem' }).and.have.property('text').that.contains('/press MSG N');
  });

  it('lists a keyboard as numbered buttons', () => {
    expect(ChatKeyboards.describe(buttons('Audio', 'Video'))).to.equal('  [1] Audio  [2] Video');
  });
});
