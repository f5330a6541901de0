/**
 * Small builders for the update engine's tests: payloads are labels such as "common:5" so a
 * failing assertion reads as the story it broke.
 */
import type {
  ChannelDifferenceResponse,
  DifferenceResponse,
  Dispatch,
  EngineState,
  EntryKey,
  IncomingUpdate,
  PtsUpdate,
  UpdatesBatch,
} from '../../../../src/telegram/updates/types.js';

export type Label = string;

function entryName(entry: EntryKey): string {
  return typeof entry === 'string' ? entry : `channel ${entry.channel}`;
}

export function msg(pts: number, entry: EntryKey = 'common', ptsCount = 1): PtsUpdate<Label> {
  return { kind: 'pts', entry, pts, ptsCount, update: `${entryName(entry)}:${pts}` };
}

export function plain(label: string): IncomingUpdate<Label> {
  return { kind: 'plain', update: label };
}

/** A container without seq (updateShort* or updates with seq 0). */
export function batch(...updates: IncomingUpdate<Label>[]): UpdatesBatch<Label> {
  return { kind: 'updates', updates, seqStart: 0, seq: 0, date: 0, users: [], chats: [] };
}

export function seqBatch(seqStart: number, seq: number, ...updates: IncomingUpdate<Label>[]): UpdatesBatch<Label> {
  return { kind: 'updates', updates, seqStart, seq, date: 1_700_000_000 + seq, users: [], chats: [] };
}

export function labels(dispatch: readonly Dispatch<Label>[]): Label[] {
  return dispatch.map((d) => d.update);
}

export function state(pts: number, extra: Partial<EngineState> = {}): EngineState {
  return { pts, qts: 0, date: 1_700_000_000, seq: 1, channels: {}, ...extra };
}

type FullDifference = Extract<DifferenceResponse<Label>, { kind: 'difference' }>;
type DifferenceSlice = Extract<DifferenceResponse<Label>, { kind: 'slice' }>;

/** A full difference whose new messages are common:(from+1)..common:to. */
export function difference(from: number, to: number, seq = 1): FullDifference {
  return {
    kind: 'difference',
    newMessages: range(from + 1, to).map((pts) => `common:${pts}`),
    otherUpdates: [],
    users: [],
    chats: [],
    state: { pts: to, qts: 0, date: 1_700_000_100, seq },
  };
}

/** One page of a longer difference, ending at common:to. */
export function slice(from: number, to: number, seq = 1): DifferenceSlice {
  const { state: intermediateState, ...page } = difference(from, to, seq);
  return { ...page, kind: 'slice', intermediateState };
}

export function channelDifference(
  channel: string,
  from: number,
  to: number,
  final = true,
): ChannelDifferenceResponse<Label> {
  return {
    kind: 'difference',
    final,
    pts: to,
    newMessages: range(from + 1, to).map((pts) => `channel ${channel}:${pts}`),
    otherUpdates: [],
    users: [],
    chats: [],
  };
}

export function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let n = first; n <= last; n++) out.push(n);
  return out;
}
