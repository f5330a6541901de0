/**
 * One load run against whatever bot is logged in to the bench world (Courier or the naive
 * baseline): the planned sends made in process at their times, file senders' offers pressed as
 * they appear, every bot send timed at the emulator's flood gate, then the tally from the bot's box.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Api } from 'telegram';
import { ensureLoadUsers } from '../../../emulator/world/accountsSide/loadUsers.js';
import { pressButtonAs, sendFileAs } from '../../../emulator/world/inProcessUsers.js';
import { userBox } from '../../../emulator/world/messageStore.js';
import { replyCounts, tallyReplies, type BenchWorld, type SentMessage } from '../catchup/catchupWorld.js';
import { answerFloorSeconds, percentile, planSends, ReplyClock, type LoadShape } from './loadPlan.js';
import { loadClip } from './loadClip.js';
import type { ProcessFigures } from './processStats.js';

export interface LoadRunShape extends LoadShape {
  files: number;
}

export interface LoadProbe {
  /** The bot process's figures, sampled every few seconds (soak slopes). */
  sample(): ProcessFigures;
  /** The bot's p99 event-loop delay since the previous call, ms (from its /metrics); absent for the baseline. */
  eventLoopP99Ms?(): Promise<number | null>;
  /** Resolves when the bot's process exits: the run stops waiting. */
  exited: Promise<unknown>;
}

export interface LoadFigures {
  summary: Record<string, unknown>;
  answered: number;
  filesDone: number;
  rssMbPeakSampled: number | null;
  rssSlopeMbPerHour: number | null;
  /** The largest p99 of the event-loop samples, ms (null without samples). */
  eventLoopP99MsSampledMax: number | null;
  eventLoopSlopeMsPerHour: number | null;
}

const TEXT_PREFIX = 'load bench message';
const FINAL_DONE = /^Done\./;
/** Gives up waiting when no bot send passed the gate for this long after the last planned send. */
const STALL_MS = 60_000;
const SAMPLE_EVERY_MS = 10_000;
const DONE_CHECK_EVERY_MS = 5_000;

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

/** Least-squares slope of (seconds, value) samples, per hour. */
function slopePerHour(samples: readonly { at: number; value: number }[]): number | null {
  if (samples.length < 3) return null;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.at, 0) / n;
  const my = samples.reduce((s, p) => s + p.value, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.at - mx) ** 2, 0);
  if (sxx === 0) return null;
  return (samples.reduce((s, p) => s + (p.at - mx) * (p.value - my), 0) / sxx) * 3600;
}

/** The first callback button of the bot's newest keyboard in the user's chat, with its message id. */
function offerIn(w: BenchWorld, userId: number): { msgId: number; data: Buffer } | null {
  for (const m of w.emulator.world.store.latest(userBox(userId), 10, { user: w.botId })) {
    if (m.fromId !== w.botId || !(m.message.replyMarkup instanceof Api.ReplyInlineMarkup)) continue;
    for (const row of m.message.replyMarkup.rows) for (const b of row.buttons) if (b instanceof Api.KeyboardButtonCallback) return { msgId: m.id, data: Buffer.from(b.data) };
  }
  return null;
}

function doneIn(w: BenchWorld, userId: number): boolean {
  return w.emulator.world.store.latest(userBox(userId), 20, { user: w.botId }).some((m) => m.fromId === w.botId && FINAL_DONE.test(m.message.message));
}

export async function runLoad(w: BenchWorld, shape: LoadRunShape, probe: LoadProbe): Promise<LoadFigures> {
  const world = w.emulator.world;
  const users = ensureLoadUsers(world.db, shape.users).map((u) => u.user_id);
  const fileUsers = users.slice(0, shape.files);
  const isFileUser = new Set(fileUsers);
  const clip = shape.files > 0 ? await loadClip() : null;
  const plan = planSends(shape);
  const clock = new ReplyClock();
  const arrivals: { chat: number; at: number }[] = [];
  let exited = false;
  void probe.exited.then(() => (exited = true));
  let lastPassMs = 0;
  let lastAnswerMs = 0;
  w.flood.onPass = (peer) => {
    // The gate sees every send, the users' own too; only the bot's sends to a user are answers.
    if (!('user' in peer) || peer.user === w.botId) return;
    lastPassMs = performance.now();
    if (isFileUser.has(peer.user)) return; // offers, statuses and results: not paired with text messages
    clock.replied(peer.user, lastPassMs);
    lastAnswerMs = lastPassMs;
  };
  const floodBefore = w.flood.floodWaits;
  const rss: { at: number; value: number }[] = [];
  let rssPeak: number | null = null;
  const loop: { at: number; value: number }[] = [];
  const scrapes: Promise<void>[] = [];
  const sample = (now: number) => {
    if (probe.eventLoopP99Ms) {
      const at = (now - t0) / 1000;
      scrapes.push(probe.eventLoopP99Ms().then((ms) => void (ms !== null && loop.push({ at, value: ms }))));
    }
    const f = probe.sample();
    if (f.rssMb === null) return;
    rss.push({ at: (now - t0) / 1000, value: f.rssMb });
    rssPeak = Math.max(rssPeak ?? 0, f.rssMb);
  };

  const pendingOffers = new Set<number>();
  const presses = { sent: 0, answered: 0, failed: 0 };
  const pressOffers = () => {
    for (const user of pendingOffers) {
      const offer = offerIn(w, user);
      if (!offer) continue;
      pendingOffers.delete(user);
      presses.sent++;
      pressButtonAs(world, user, { user: w.botId }, offer.msgId, offer.data).then(
        () => presses.answered++,
        () => presses.failed++,
      );
    }
  };

  // A job's "Done." is looked for among the chat's latest 20 messages; a file sender who goes on
  // writing pushes it out of them (1 answer a second at most per chat), so it is looked for every
  // few seconds while the load runs, not only at the end.
  const filesDone = new Set<number>();
  const checkFilesDone = () => {
    if (presses.sent === 0) return;
    for (const u of fileUsers) if (!filesDone.has(u) && doneIn(w, u)) filesDone.add(u);
  };
  const t0 = performance.now();
  let nextSample = t0;
  let nextDoneCheck = t0;
  let next = 0;
  let nextFile = 0;
  // Files go out over the first 80 % of the run, so their jobs finish inside it.
  const fileAt = (i: number) => ((i + 0.5) / Math.max(1, fileUsers.length)) * shape.seconds * 0.8;
  while ((next < plan.length || nextFile < fileUsers.length) && !exited) {
    const now = performance.now();
    const elapsed = (now - t0) / 1000;
    for (; next < plan.length && plan[next]!.at <= elapsed; next++) {
      const user = users[plan[next]!.user]!;
      world.sendMessageAs(user, { user: w.botId }, `${TEXT_PREFIX} ${next}`);
      if (isFileUser.has(user)) continue;
      const at = performance.now();
      clock.sent(user, at);
      arrivals.push({ chat: user, at: (at - t0) / 1000 });
    }
    for (; nextFile < fileUsers.length && fileAt(nextFile) <= elapsed; nextFile++) {
      sendFileAs(world, fileUsers[nextFile]!, { user: w.botId }, clip!);
      pendingOffers.add(fileUsers[nextFile]!);
    }
    pressOffers();
    if (now >= nextDoneCheck) {
      checkFilesDone();
      nextDoneCheck = now + DONE_CHECK_EVERY_MS;
    }
    if (now >= nextSample) {
      sample(now);
      nextSample = now + SAMPLE_EVERY_MS;
    }
    const due = Math.min(plan[next]?.at ?? Infinity, nextFile < fileUsers.length ? fileAt(nextFile) : Infinity);
    // Pacing of the offered load (the benchmark's input), not a synchronisation.
    await delay(Math.max(1, Math.min(50, (due - (performance.now() - t0) / 1000) * 1000)));
  }
  const sendsEndedMs = performance.now();

  // Wait for every answer, pressed offer and finished job; stop when the bot goes quiet or exits.
  for (;;) {
    pressOffers();
    checkFilesDone();
    const allAnswered = clock.latencies.length >= arrivals.length && filesDone.size === fileUsers.length;
    const quietSince = Math.max(lastPassMs, sendsEndedMs);
    if (allAnswered || exited || performance.now() - quietSince > STALL_MS) break;
    const now = performance.now();
    if (now >= nextSample) {
      sample(now);
      nextSample = now + SAMPLE_EVERY_MS;
    }
    await delay(250); // polling interval of the condition above
  }
  w.flood.onPass = undefined;
  sample(performance.now());
  await Promise.all(scrapes);
  loop.sort((a, b) => a.at - b.at);

  const box = world.store.latest(userBox(w.botId), plan.length * 3 + shape.files * 10 + 1000);
  const sent: SentMessage[] = box
    .filter((m) => m.fromId !== w.botId && m.message.message.startsWith(TEXT_PREFIX) && !isFileUser.has(m.fromId))
    .map((m) => ({ from: m.fromId, id: m.id }));
  const tally = tallyReplies(sent, replyCounts(w, box.length));
  const floor = answerFloorSeconds(arrivals, { perSecond: w.limits.botMessagesPerSecond, perChatPerSecond: w.limits.botMessagesPerChatPerSecond });
  const lastAnswer = lastAnswerMs > 0 ? (lastAnswerMs - t0) / 1000 : null;
  return {
    summary: {
      text_messages: sent.length,
      answered: tally.answered,
      lost: tally.lost,
      duplicates: tally.duplicates,
      extra_replies: clock.extraReplies,
      p50_s: round2(percentile(clock.latencies, 50)! / 1000),
      p99_s: round2(percentile(clock.latencies, 99)! / 1000),
      floor_s: round2(floor),
      last_answer_s: round2(lastAnswer),
      ratio: lastAnswer === null || floor === 0 ? null : round2(lastAnswer / floor),
      flood_waits: w.flood.floodWaits - floodBefore,
      files_sent: nextFile,
      files_pressed: presses.sent,
      files_done: filesDone.size,
    },
    answered: tally.answered,
    filesDone: filesDone.size,
    rssMbPeakSampled: rssPeak,
    // Only a long run says anything about a trend; a short one's slope is start-up noise.
    rssSlopeMbPerHour: shape.seconds >= 600 ? slopePerHour(rss) : null,
    eventLoopP99MsSampledMax: loop.length > 0 ? Math.max(...loop.map((l) => l.value)) : null,
    eventLoopSlopeMsPerHour: shape.seconds >= 600 ? slopePerHour(loop) : null,
  };
}
