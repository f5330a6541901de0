import { expect } from 'chai';
import { macrotaskPacer } from '../../../../src/telegram/files/uploadInvoker.js';

describe('macrotaskPacer: parts enter GramJS one per turn of the event loop', () => {
  it('a window of parts handed over at once is let through on distinct turns, in order', async () => {
    // A self-rescheduling setImmediate counts the event loop's turns.
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const pace = macrotaskPacer();
    const seen: { part: number; turn: number }[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((part) => pace().then(() => void seen.push({ part, turn }))));
    counting = false;
    expect(seen.map((s) => s.part)).to.deep.equal([0, 1, 2, 3, 4]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.turn, `part ${i}`).to.be.greaterThan(seen[i - 1]!.turn);
  });
});
