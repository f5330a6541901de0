/**
 * Unwraps the "invoke" wrappers a client puts around API calls (core.telegram.org/api/invoking):
 * invokeWithLayer (the layer is remembered per auth key), initConnection, invokeWithoutUpdates,
 * invokeAfterMsg(s) (waits for the earlier call to finish), invokeWithTakeout and
 * invokeWithMessagesRange.
 */
import { Api } from 'telegram';
import type { ConnectionInit } from '../contract.js';
import { fromGramBig } from './tlNumbers.js';

export interface Unwrapped {
  readonly request: Api.AnyRequest;
  readonly layer: number | null;
  /** msg_ids of calls that must complete before this one runs. */
  readonly after: bigint[];
  /** What an initConnection wrapper declared, when the call carried one. */
  readonly init: ConnectionInit | null;
}

export function unwrapInvoke(request: Api.AnyRequest): Unwrapped {
  let current: unknown = request;
  let layer: number | null = null;
  const after: bigint[] = [];
  let init: ConnectionInit | null = null;
  for (;;) {
    if (current instanceof Api.InvokeWithLayer) {
      layer = current.layer;
      current = current.query;
    } else if (current instanceof Api.InitConnection) {
      // SIMPLIFICATION: only lang_code is kept (bots see it as the user's language); api_id, device,
      // system and app versions, lang_pack, proxy and params are not recorded.
      init = { langCode: current.langCode };
      current = current.query;
    } else if (current instanceof Api.InvokeWithoutUpdates) {
      // SIMPLIFICATION: updates are still pushed to a session that asked for none.
      current = current.query;
    } else if (current instanceof Api.InvokeAfterMsg) {
      after.push(fromGramBig(current.msgId));
      current = current.query;
    } else if (current instanceof Api.InvokeAfterMsgs) {
      for (const id of current.msgIds) after.push(fromGramBig(id));
      current = current.query;
    } else if (current instanceof Api.InvokeWithTakeout || current instanceof Api.InvokeWithMessagesRange) {
      // SIMPLIFICATION: takeout sessions and message ranges are not modelled; the inner call runs as is.
      current = current.query;
    } else {
      return { request: current as Api.AnyRequest, layer, after, init };
    }
  }
}
