/**
 * The emulator's own download ceiling for `bench download`: how fast it gives a file's chunks when
 * the client costs nothing. A raw MTProto client (intermediate transport, an auth key the emulator
 * already holds) signs in as the bot, then keeps `window` upload.getFile requests of 1 MiB in
 * flight over `connections` connections, and counts answers without decrypting them: a frame
 * longer than a chunk is a chunk served (only the first answer is decrypted, to check it is an
 * upload.file and not an error). Small frames are decrypted and checked for rpc_error.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { IntermediateCodec } from '../../../emulator/transport/codecs.js';
import { decryptServerMessage, encryptClientMessage, type PlainMessage } from '../../../emulator/mtproto/envelope.js';
import { authKeyIdOf } from '../../../emulator/mtproto/crypto.js';
import { toGramBig } from '../../../emulator/mtproto/tlNumbers.js';
import { MSG_CONTAINER_ID, RPC_ERROR_ID, RPC_RESULT_ID, parseContainer } from '../../../emulator/mtproto/wire.js';

const BAD_SERVER_SALT_ID = 0xedab447b;
const UPLOAD_FILE_ID = 0x096a18d5;
/** The layer GramJS 2.26 speaks (telegram/tl/AllTLObjects LAYER). */
const LAYER = 198;
const CHUNK = 1024 * 1024;

export interface CeilingOptions {
  host: string;
  port: number;
  authKey: Buffer;
  login: { apiId: number; apiHash: string; botToken: string };
  location: Api.InputDocumentFileLocation;
  /** Whole 1 MiB chunks to fetch (from offset 0). */
  chunks: number;
  connections: number;
  window: number;
}

class RawConnection {
  private readonly codec = new IntermediateCodec(false);
  private lastMsgId = 0n;
  private contentSent = 0;
  private readonly sessionId = randomBytes(8).readBigInt64LE(0);
  salt = 0n;
  onFrame: (frame: Buffer) => void = () => {};

  private constructor(
    private readonly socket: Socket,
    private readonly authKey: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.codec.push(chunk)) this.onFrame(frame);
    });
  }

  static async open(host: string, port: number, authKey: Buffer): Promise<RawConnection> {
    const socket = connect(port, host);
    socket.setNoDelay(true);
    await once(socket, 'connect');
    socket.write(Buffer.from([0xee, 0xee, 0xee, 0xee])); // intermediate transport tag
    return new RawConnection(socket, authKey);
  }

  decrypt(frame: Buffer): PlainMessage {
    if (frame.length === 4) throw new Error(`the emulator sent transport error ${frame.readInt32LE(0)}`);
    return decryptServerMessage(this.authKey, frame);
  }

  /** Encrypts and sends one content message; returns its msg_id. */
  send(body: Buffer): bigint {
    const ms = Date.now();
    let msgId = (BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(ms % 1000) << 22n);
    if (msgId <= this.lastMsgId) msgId = this.lastMsgId + 4n;
    this.lastMsgId = msgId;
    const seqNo = this.contentSent++ * 2 + 1;
    const packet = encryptClientMessage(this.authKey, authKeyIdOf(this.authKey), { salt: this.salt, sessionId: this.sessionId, msgId, seqNo, body });
    this.socket.write(this.codec.encode(packet));
    return msgId;
  }

  /** Resolves with the first server message body for which `pick` returns something. */
  until<T>(pick: (body: Buffer) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      this.onFrame = (frame) => {
        try {
          for (const body of bodiesOf(this.decrypt(frame))) {
            const found = pick(body);
            if (found !== undefined) return resolve(found);
          }
        } catch (error) {
          reject(error);
        }
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function bodiesOf(m: PlainMessage): Buffer[] {
  return m.body.readUInt32LE(0) === MSG_CONTAINER_ID ? parseContainer(m.body).map((i) => i.body) : [m.body];
}

/** rpc_error's text, when `body` is an rpc_result carrying one. */
function rpcErrorIn(body: Buffer): string | undefined {
  if (body.readUInt32LE(0) !== RPC_RESULT_ID || body.readUInt32LE(12) !== RPC_ERROR_ID) return undefined;
  return `${body.readInt32LE(16)} ${body.subarray(21, 21 + body[20]!).toString('utf8')}`;
}

async function prepare(conn: RawConnection, login: CeilingOptions['login'] | undefined): Promise<void> {
  conn.send(new Api.Ping({ pingId: toGramBig(1n) }).getBytes());
  conn.salt = await conn.until((b) => (b.readUInt32LE(0) === BAD_SERVER_SALT_ID ? b.readBigInt64LE(20) : undefined));
  if (!login) return;
  const query = new Api.auth.ImportBotAuthorization({ flags: 0, apiId: login.apiId, apiHash: login.apiHash, botAuthToken: login.botToken });
  const init = new Api.InitConnection({ apiId: login.apiId, deviceModel: 'download bench', systemVersion: process.version, appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query });
  const msgId = conn.send(new Api.InvokeWithLayer({ layer: LAYER, query: init }).getBytes());
  const error = await conn.until((b) => (b.readUInt32LE(0) === RPC_RESULT_ID && b.readBigInt64LE(4) === msgId ? (rpcErrorIn(b) ?? '') : undefined));
  if (error) throw new Error(`auth.importBotAuthorization failed: ${error}`);
}

/** Fetches `chunks` MiB and returns the rate at which the emulator gave them (MB/s, 10^6 bytes). */
export async function measureEmulatorGive(options: CeilingOptions): Promise<{ mbPerSecond: number; seconds: number }> {
  const conns: RawConnection[] = [];
  try {
    for (let i = 0; i < options.connections; i++) {
      const conn = await RawConnection.open(options.host, options.port, options.authKey);
      conns.push(conn);
      // The key is signed in once; the other connections are new sessions of the same key.
      await prepare(conn, i === 0 ? options.login : undefined);
    }
    const request = (offset: number) => new Api.upload.GetFile({ location: options.location, offset: toGramBig(BigInt(offset)), limit: CHUNK }).getBytes();
    let next = 0;
    let served = 0;
    let checked = false;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const perConnection = Math.max(1, Math.ceil(options.window / conns.length));
      for (const conn of conns) {
        conn.onFrame = (frame) => {
          try {
            if (frame.length > CHUNK) {
              if (!checked) {
                checked = true;
                const result = bodiesOf(conn.decrypt(frame)).find((b) => b.readUInt32LE(0) === RPC_RESULT_ID);
                if (result?.readUInt32LE(12) !== UPLOAD_FILE_ID) throw new Error('the first big answer is not an upload.file');
              }
              served++;
              if (served === options.chunks) return resolve();
              if (next < options.chunks) conn.send(request(next++ * CHUNK));
            } else {
              for (const body of bodiesOf(conn.decrypt(frame))) {
                const error = rpcErrorIn(body);
                if (error !== undefined) throw new Error(`upload.getFile failed: ${error}`);
              }
            }
          } catch (error) {
            reject(error as Error);
          }
        };
        for (let i = 0; i < perConnection && next < options.chunks; i++) conn.send(request(next++ * CHUNK));
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { mbPerSecond: (options.chunks * CHUNK) / 1e6 / seconds, seconds };
  } finally {
    for (const conn of conns) conn.close();
  }
}
