/**
 * The sending side of the emulator's upload benchmark, run in its own worker thread so the client
 * and the server never share a core. It plays a client that already holds an auth key (the
 * benchmark measures the upload path, not the key exchange): learns the server salt from a
 * bad_server_salt answer, encrypts every upload.saveBigFilePart message up front (so the client's
 * own encryption speed does not cap the figure), then writes them all and times until the last
 * rpc_result arrives.
 *
 * Messages to and from the worker are plain data: `SenderInput` in workerData, one `SenderReport`
 * posted back.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Api } from 'telegram';
import { IntermediateCodec } from '../../../emulator/transport/codecs.js';
import { decryptServerMessage, encryptClientMessage, type PlainMessage } from '../../../emulator/mtproto/envelope.js';
import { authKeyIdOf } from '../../../emulator/mtproto/crypto.js';
import { toGramBig } from '../../../emulator/mtproto/tlNumbers.js';
import { MSG_CONTAINER_ID, RPC_ERROR_ID, RPC_RESULT_ID, parseContainer } from '../../../emulator/mtproto/wire.js';

/** This module's own path, so the caller never hard-codes it (works for .ts under tsx and for .js). */
export const uploadSenderFilename = fileURLToPath(import.meta.url);

export interface SenderInput {
  readonly host: string;
  readonly port: number;
  readonly authKey: Uint8Array;
  readonly parts: number;
  readonly partBytes: number;
  /** Sign in as this bot before uploading (a real world refuses uploads from an anonymous key). */
  readonly login?: { readonly apiId: number; readonly apiHash: string; readonly botToken: string };
}

export type SenderReport =
  | { readonly type: 'done'; readonly seconds: number; readonly accepted: number; readonly errors: string[]; readonly wireBytes: number }
  | { readonly type: 'failed'; readonly message: string };

const BAD_SERVER_SALT_ID = 0xedab447b;
const BOOL_TRUE_ID = 0x997275b5;
/** The layer GramJS 2.26 speaks (telegram/tl/AllTLObjects LAYER). */
const LAYER = 198;

/** A minimal intermediate-transport MTProto client over one TCP connection. */
class SenderConnection {
  private readonly codec = new IntermediateCodec(false);
  private readonly inbox: Buffer[] = [];
  private waiter: ((frame: Buffer | null) => void) | null = null;
  private ended = false;
  private lastMsgId = 0n;
  private contentSent = 0;
  readonly sessionId = randomBytes(8).readBigInt64LE(0);
  salt = 0n;

  constructor(
    private readonly socket: Socket,
    private readonly authKey: Buffer,
    private readonly authKeyId: bigint,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.codec.push(chunk)) this.deliver(frame);
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiter?.(null);
      this.waiter = null;
    });
  }

  static async open(host: string, port: number, authKey: Buffer): Promise<SenderConnection> {
    const socket = connect(port, host);
    socket.setNoDelay(true);
    await once(socket, 'connect');
    socket.write(Buffer.from([0xee, 0xee, 0xee, 0xee])); // intermediate transport tag (mtproto-transports)
    return new SenderConnection(socket, authKey, authKeyIdOf(authKey));
  }

  private deliver(frame: Buffer): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w(frame);
    else this.inbox.push(frame);
  }

  async next(): Promise<PlainMessage | null> {
    const frame = this.inbox.shift() ?? (this.ended ? null : await new Promise<Buffer | null>((resolve) => (this.waiter = resolve)));
    if (!frame) return null;
    if (frame.length === 4) throw new Error(`the emulator sent transport error ${frame.readInt32LE(0)}`);
    return decryptServerMessage(this.authKey, frame);
  }

  get lastSentMsgId(): bigint {
    return this.lastMsgId;
  }

  /** Encrypts one content-related message; msg_ids strictly increase as the spec requires. */
  seal(body: Buffer): Buffer {
    const ms = Date.now();
    let msgId = (BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(ms % 1000) << 22n);
    if (msgId <= this.lastMsgId) msgId = this.lastMsgId + 4n;
    this.lastMsgId = msgId;
    const seqNo = this.contentSent++ * 2 + 1;
    return encryptClientMessage(this.authKey, this.authKeyId, { salt: this.salt, sessionId: this.sessionId, msgId, seqNo, body });
  }

  write(payload: Buffer): void {
    this.socket.write(this.codec.encode(payload));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** rpc_error's message, or null for any other result (rpc_error#2144ca19 error_code:int error_message:string). */
function rpcErrorOf(result: Buffer): string | null {
  if (result.readUInt32LE(0) !== RPC_ERROR_ID) return null;
  return `${result.readInt32LE(4)} ${result.subarray(9, 9 + result[8]!).toString('utf8')}`;
}

/** Every server message body, with containers opened. */
function bodiesOf(m: PlainMessage): Buffer[] {
  return m.body.readUInt32LE(0) === MSG_CONTAINER_ID ? parseContainer(m.body).map((i) => i.body) : [m.body];
}

/** invokeWithLayer(initConnection(auth.importBotAuthorization)), as GramJS signs a bot in; waits for its result. */
async function signIn(conn: SenderConnection, login: NonNullable<SenderInput['login']>): Promise<void> {
  const query = new Api.auth.ImportBotAuthorization({ flags: 0, apiId: login.apiId, apiHash: login.apiHash, botAuthToken: login.botToken });
  const init = new Api.InitConnection({ apiId: login.apiId, deviceModel: 'upload bench', systemVersion: process.version, appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query });
  const packet = conn.seal(new Api.InvokeWithLayer({ layer: LAYER, query: init }).getBytes());
  const msgId = conn.lastSentMsgId;
  conn.write(packet);
  for (;;) {
    const m = await conn.next();
    if (!m) throw new Error('the emulator closed the connection during sign-in');
    for (const body of bodiesOf(m)) {
      if (body.readUInt32LE(0) !== RPC_RESULT_ID || body.readBigInt64LE(4) !== msgId) continue;
      const error = rpcErrorOf(body.subarray(12));
      if (error) throw new Error(`auth.importBotAuthorization failed: ${error}`);
      return;
    }
  }
}

export async function runUploadSender(input: SenderInput): Promise<SenderReport> {
  const conn = await SenderConnection.open(input.host, input.port, Buffer.from(input.authKey));
  try {
    // A ping under a wrong salt is answered with bad_server_salt carrying the right one.
    conn.write(conn.seal(new Api.Ping({ pingId: toGramBig(1n) }).getBytes()));
    for (;;) {
      const m = await conn.next();
      if (!m) throw new Error('the emulator closed the connection before telling the server salt');
      const salted = bodiesOf(m).find((b) => b.readUInt32LE(0) === BAD_SERVER_SALT_ID);
      if (salted) {
        conn.salt = salted.readBigInt64LE(20);
        break;
      }
    }
    if (input.login) await signIn(conn, input.login);
    const part = randomBytes(input.partBytes);
    const fileId = toGramBig(randomBytes(8).readBigInt64LE(0));
    const packets = Array.from({ length: input.parts }, (_, i) =>
      conn.seal(new Api.upload.SaveBigFilePart({ fileId, filePart: i, fileTotalParts: input.parts, bytes: part }).getBytes()),
    );
    const wireBytes = packets.reduce((n, p) => n + p.length + 4, 0);
    let accepted = 0;
    const errors: string[] = [];
    const t0 = process.hrtime.bigint();
    for (const p of packets) conn.write(p);
    while (accepted + errors.length < input.parts) {
      const m = await conn.next();
      if (!m) throw new Error(`the emulator closed the connection after ${accepted} of ${input.parts} parts`);
      for (const body of bodiesOf(m)) {
        if (body.readUInt32LE(0) !== RPC_RESULT_ID) continue;
        const result = body.subarray(12);
        if (result.readUInt32LE(0) === BOOL_TRUE_ID) accepted++;
        else if (rpcErrorOf(result) !== null) errors.push(rpcErrorOf(result)!);
        else errors.push(`unexpected result constructor ${result.readUInt32LE(0).toString(16)}`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { type: 'done', seconds, accepted, errors: [...new Set(errors)], wireBytes };
  } finally {
    conn.close();
  }
}

if (parentPort && (workerData as { uploadSender?: SenderInput } | null)?.uploadSender) {
  const port = parentPort;
  runUploadSender((workerData as { uploadSender: SenderInput }).uploadSender).then(
    (report) => port.postMessage(report),
    (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies SenderReport),
  );
}
