import { expect } from 'chai';
import { checkReadiness, type ReadinessProbes } from '../../../src/ops/health.js';
import { startOpsHttpServer } from '../../../src/ops/httpServer.js';
import { createReplyWindow } from '../../../src/ops/replyWindow.js';

const MIN = 60_000;
const healthy = (): ReadinessProbes => ({ writeProbe: () => undefined, telegramConnected: () => true, inboxPending: () => 0, lastHandledAt: () => 0, now: () => 60 * MIN });

describe('readiness', () => {
  it('is ready when the database takes a write, Telegram is connected and updates move', () => {
    expect(checkReadiness(healthy())).to.deep.equal({ ready: true, reasons: [] });
    expect(checkReadiness({ ...healthy(), inboxPending: () => 3, lastHandledAt: () => 58 * MIN }).ready).to.equal(true);
  });

  it('names every reason it is not', () => {
    const r = checkReadiness({
      ...healthy(),
      writeProbe: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      telegramConnected: () => false,
      inboxPending: () => 7,
      lastHandledAt: () => 50 * MIN,
    });
    expect(r.ready).to.equal(false);
    expect(r.reasons).to.deep.equal([
      'database not writable: SQLITE_FULL: database or disk is full',
      'Telegram: not connected (GramJS is reconnecting; check the network or telegram.proxy)',
      'update handling stuck: 7 update(s) pending and none handled for 600 s',
    ]);
    expect(checkReadiness({ ...healthy(), telegramConnected: () => null }).reasons).to.deep.equal(['Telegram: still connecting']);
  });
});

describe('the ops HTTP endpoint', () => {
  it('answers /livez, /readyz (503 with reasons), /metrics, and 404/405 for the rest', async () => {
    let ready = true;
    const server = await startOpsHttpServer(
      '127.0.0.1',
      0,
      { metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'courier_inbox_pending 0\n' }), readiness: () => (ready ? { ready, reasons: [] } : { ready, reasons: ['Telegram: still connecting'] }) },
      () => undefined,
    );
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/livez`)).status).to.equal(200);
      expect((await fetch(`${base}/readyz`)).status).to.equal(200);
      ready = false;
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(await notReady.text()).to.equal('not ready:\n- Telegram: still connecting\n');
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).to.contain('version=0.0.4');
      expect(await metrics.text()).to.equal('courier_inbox_pending 0\n');
      expect((await fetch(`${base}/nope`)).status).to.equal(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).to.equal(405);
    } finally {
      await server.close();
    }
  });
});

describe('the reply-time window', () => {
  it('gives the 95th percentile of the last minutes only', () => {
    const window = createReplyWindow(5 * MIN);
    for (let i = 1; i <= 100; i += 1) window.add(i * 1000, i);
    expect(window.p95(100_000)).to.deep.equal({ seconds: 95, samples: 100 });
    window.add(10 * MIN, 1);
    expect(window.p95(10 * MIN)).to.deep.equal({ seconds: 1, samples: 1 });
    expect(window.p95(20 * MIN)).to.deep.equal({ seconds: 0, samples: 0 });
  });
});
