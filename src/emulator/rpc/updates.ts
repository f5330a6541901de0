/**
 * updates.getState, updates.getDifference, updates.getChannelDifference
 * (core.telegram.org/api/updates; the logic lives in world/difference.ts).
 */
import type { Api } from 'telegram';
import type { RpcMethod } from './dispatch.js';
import { channelOf } from './peers.js';

const method = <R>(fn: (req: R, call: Parameters<RpcMethod>[1]) => ReturnType<RpcMethod>): RpcMethod => fn as RpcMethod;

export const updatesHandlers: Record<string, RpcMethod> = {
  'updates.GetState': method<Api.updates.GetState>((_req, { world, userId }) => world.differences.state(userId)),

  'updates.GetDifference': method<Api.updates.GetDifference>((req, { world, userId }) =>
    world.differences.difference(userId, {
      pts: req.pts,
      qts: req.qts ?? 0,
      date: req.date,
      // GramJS's reader leaves an absent flags field null, not undefined.
      ...(typeof req.ptsTotalLimit === 'number' ? { ptsTotalLimit: req.ptsTotalLimit } : {}),
      ...(typeof req.ptsLimit === 'number' ? { ptsLimit: req.ptsLimit } : {}),
    }),
  ),

  'updates.GetChannelDifference': method<Api.updates.GetChannelDifference>((req, { world, userId }) =>
    // SIMPLIFICATION: the message filter is ignored (every update is returned).
    world.differences.channelDifference(userId, channelOf(req.channel), { pts: req.pts, limit: req.limit, ...(req.force ? { force: true } : {}) }),
  ),
};
