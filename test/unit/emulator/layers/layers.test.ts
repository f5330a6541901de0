/**
 * The emulator's layer conversion, checked against two independent TL implementations: what it
 * writes in layer 227 is read by mtcute's own generated reader, and what mtcute's generated
 * writer produces in 227 is read, after conversion, by GramJS's layer-198 reader.
 */
import { expect } from 'chai';
import bigInt from 'big-integer';
import { Long } from '@mtcute/core';
import { __tlReaderMap, __tlWriterMap, TlBinaryReader, TlBinaryWriter } from '@mtcute/core/utils.js';
import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/index.js';
import { LayerRegistry, NATIVE_LAYER } from '../../../../src/emulator/layers/layers.js';
import { convertObject, LayerConversionError } from '../../../../src/emulator/layers/convert.js';
import { decodeTl, encodeTl, type TlObject } from '../../../../src/emulator/layers/tlCodec.js';
import { schemaFromTlText } from '../../../../src/emulator/layers/tlSchema.js';

const layers = new LayerRegistry();
const NEW = 227;

/** mtcute's parse of bytes in its own layer. */
function mtcuteRead(bytes: Buffer): Record<string, unknown> {
  return TlBinaryReader.deserializeObject(__tlReaderMap as never, bytes);
}

function mtcuteWrite(obj: { _: string; [k: string]: unknown }): Buffer {
  return Buffer.from(TlBinaryWriter.serializeObject(__tlWriterMap as never, obj));
}

const gramUser = (): Api.User =>
  new Api.User({ id: bigInt(4242), accessHash: bigInt(77), firstName: 'Ann', username: 'annbot', bot: true, botInfoVersion: 1 });

const gramMessage = (): Api.Message =>
  new Api.Message({
    id: 12,
    peerId: new Api.PeerUser({ userId: bigInt(4242) }),
    fromId: new Api.PeerUser({ userId: bigInt(7) }),
    date: 1_700_000_000,
    message: 'héllo ✓',
    out: true,
    entities: [new Api.MessageEntityBold({ offset: 0, length: 5 })],
    replyMarkup: new Api.ReplyInlineMarkup({ rows: [new Api.KeyboardButtonRow({ buttons: [new Api.KeyboardButtonCallback({ text: 'Yes', data: Buffer.from('yes') })] })] }),
  });

describe('emulator layers: serving layer 227 next to GramJS 198', () => {
  it('serves GramJS clients natively and other clients the nearest supported layer', () => {
    expect(NATIVE_LAYER).to.equal(198);
    expect(layers.supported()).to.deep.equal([198, NEW]);
    expect(layers.isNative(layers.served(null))).to.equal(true);
    expect(layers.served(198)).to.equal(198);
    expect(layers.served(NEW)).to.equal(NEW);
    expect(layers.served(300)).to.equal(NEW);
    expect(layers.served(150)).to.equal(198);
    expect(layers.served(210)).to.equal(198);
    expect(layers.served(215)).to.equal(NEW);
  });

  it("the schema codec reproduces GramJS's 198 bytes exactly (user, message, updates, difference)", () => {
    const s198 = layers.schema(198);
    const samples = [
      gramUser(),
      gramMessage(),
      new Api.Updates({ updates: [new Api.UpdateNewMessage({ message: gramMessage(), pts: 5, ptsCount: 1 })], users: [gramUser()], chats: [], date: 1, seq: 3 }),
      new Api.updates.Difference({
        newMessages: [gramMessage()],
        newEncryptedMessages: [],
        otherUpdates: [new Api.UpdateBotCallbackQuery({ queryId: bigInt(5), userId: bigInt(7), peer: new Api.PeerUser({ userId: bigInt(7) }), msgId: 3, chatInstance: bigInt(9), data: Buffer.from('go') })],
        chats: [],
        users: [gramUser()],
        state: new Api.updates.State({ pts: 9, qts: 0, date: 2, seq: 4, unreadCount: 0 }),
      }),
    ];
    for (const sample of samples) {
      const bytes = sample.getBytes();
      expect(encodeTl(s198, decodeTl(s198, bytes)).equals(bytes), sample.className).to.equal(true);
    }
  });

  it('a user: user#4b46c37e in 198 becomes the 227 constructor mtcute reads, flags recomputed', () => {
    const native = gramUser().getBytes();
    expect(native.readUInt32LE(0)).to.equal(0x4b46c37e);
    const bytes = layers.objectFromNative(NEW, native);
    expect(bytes.readUInt32LE(0)).to.equal(layers.schema(NEW).byName.get('user')!.id);
    expect(bytes.readUInt32LE(0)).to.not.equal(0x4b46c37e);
    const u = mtcuteRead(bytes);
    expect(u).to.include({ _: 'user', id: 4242, firstName: 'Ann', username: 'annbot', bot: true, botInfoVersion: 1, self: false });
    expect(String(u.accessHash)).to.equal('77');
  });

  it('a message with entities and an inline keyboard keeps its text and buttons', () => {
    const bytes = layers.objectFromNative(NEW, gramMessage().getBytes());
    const m = mtcuteRead(bytes) as { _: string; id: number; message: string; out: boolean; peerId: unknown; entities: unknown[]; replyMarkup: { rows: { buttons: { text: string; data: Uint8Array }[] }[] } };
    expect(m._).to.equal('message');
    expect([m.id, m.message, m.out]).to.deep.equal([12, 'héllo ✓', true]);
    expect(m.peerId).to.deep.equal({ _: 'peerUser', userId: 4242 });
    expect(m.entities).to.deep.equal([{ _: 'messageEntityBold', offset: 0, length: 5 }]);
    const button = m.replyMarkup.rows[0]!.buttons[0]!;
    expect(button.text).to.equal('Yes');
    expect(Buffer.from(button.data).toString()).to.equal('yes');
  });

  it('a pushed updates container and a difference arrive whole in 227', () => {
    const updates = new Api.Updates({ updates: [new Api.UpdateNewMessage({ message: gramMessage(), pts: 5, ptsCount: 1 })], users: [gramUser()], chats: [], date: 1_700_000_000, seq: 3 });
    const u = mtcuteRead(layers.objectFromNative(NEW, updates.getBytes())) as { _: string; seq: number; updates: { _: string; pts: number; message: { message: string } }[]; users: { id: number }[] };
    expect([u._, u.seq, u.updates[0]!._, u.updates[0]!.pts, u.updates[0]!.message.message]).to.deep.equal(['updates', 3, 'updateNewMessage', 5, 'héllo ✓']);
    expect(u.users.map((x) => x.id)).to.deep.equal([4242]);

    const diff = new Api.updates.Difference({
      newMessages: [gramMessage()],
      newEncryptedMessages: [],
      otherUpdates: [],
      chats: [],
      users: [gramUser()],
      state: new Api.updates.State({ pts: 9, qts: 0, date: 1_700_000_001, seq: 4, unreadCount: 0 }),
    });
    const method = new Api.updates.GetDifference({ pts: 1, date: 0, qts: 0 });
    const d = mtcuteRead(layers.resultFromNative(NEW, method.CONSTRUCTOR_ID, diff.getBytes())) as { _: string; newMessages: { id: number }[]; state: { pts: number; seq: number } };
    expect(d._).to.equal('updates.difference');
    expect(d.newMessages.map((m) => m.id)).to.deep.equal([12]);
    expect([d.state.pts, d.state.seq]).to.deep.equal([9, 4]);
  });

  it('a bare Vector<User> result is converted by the method\'s result type', () => {
    const method = new Api.users.GetUsers({ id: [new Api.InputUserSelf()] });
    const vector = Buffer.concat([Buffer.from('15c4b51c01000000', 'hex'), gramUser().getBytes()]);
    const bytes = layers.resultFromNative(NEW, method.CONSTRUCTOR_ID, vector);
    const r = new TlBinaryReader(__tlReaderMap as never, bytes);
    const list = r.vector() as { _: string; id: number }[];
    expect(list.map((x) => [x._, x.id])).to.deep.equal([['user', 4242]]);
  });

  it("mtcute's invokeWithLayer(initConnection(sendMessage)) in 227 is read by GramJS's 198 parser", () => {
    const request = mtcuteWrite({
      _: 'invokeWithLayer',
      layer: NEW,
      query: {
        _: 'initConnection',
        apiId: 1,
        deviceModel: 'test',
        systemVersion: '1',
        appVersion: '1',
        systemLangCode: 'en',
        langPack: '',
        langCode: 'en',
        query: { _: 'messages.sendMessage', peer: { _: 'inputPeerUser', userId: 4242, accessHash: Long.fromNumber(77) }, message: 'hi', randomId: Long.fromNumber(99), noWebpage: true },
      },
    });
    const native = layers.requestToNative(NEW, request);
    const parsed = new BinaryReader(native).tgReadObject() as Api.InvokeWithLayer;
    expect(parsed).to.be.instanceOf(Api.InvokeWithLayer);
    expect(parsed.layer).to.equal(NEW);
    const send = (parsed.query as Api.InitConnection).query as Api.messages.SendMessage;
    expect(send).to.be.instanceOf(Api.messages.SendMessage);
    expect([send.message, send.noWebpage, String(send.randomId)]).to.deep.equal(['hi', true, '99']);
    expect(String((send.peer as Api.InputPeerUser).accessHash)).to.equal('77');
  });

  it('service messages (msgs_ack) pass through unchanged', () => {
    const ack = new Api.MsgsAck({ msgIds: [bigInt(1)] }).getBytes();
    expect(layers.requestToNative(NEW, ack).equals(ack)).to.equal(true);
  });

  it('by name and field: dropped fields, defaults for required ones, flags recomputed', () => {
    const older = schemaFromTlText(1, 'foo#00000001 flags:# a:flags.0?int gone:int b:flags.1?true = Foo;\nbox#00000003 x:Foo = Box;');
    const newer = schemaFromTlText(2, 'foo#00000002 flags:# a:flags.0?int b:flags.5?true c:string d:Foo2 = Foo;\nfoo2Empty#00000004 = Foo2;\nbox#00000005 x:Foo = Box;');
    const obj = decodeTl(older, encodeTl(older, { _: 'box', x: { _: 'foo', a: 7, gone: 1, b: true } })) as TlObject;
    const converted = convertObject(newer, obj)!;
    expect(converted).to.deep.equal({ _: 'box', x: { _: 'foo', a: 7, b: true, c: Buffer.alloc(0), d: { _: 'foo2Empty' } } });
    const bytes = encodeTl(newer, converted);
    // box#5, foo#2, flags = bit 0 (a) | bit 5 (b), a = 7, c = "" (4 bytes), foo2Empty#4
    expect(bytes.toString('hex')).to.equal('05000000' + '02000000' + '21000000' + '07000000' + '00000000' + '04000000');
  });

  it('an object the target cannot name is dropped from a vector, but never replaced by an invented one', () => {
    const older = schemaFromTlText(1, 'oldUpd#00000001 = Upd;\nnewsUpd#00000002 n:int = Upd;\nshort#00000003 update:Upd = Short;\nmany#00000004 list:Vector<Upd> = Many;');
    const newer = schemaFromTlText(2, 'newsUpd#00000012 n:int = Upd;\nshort#00000013 update:Upd = Short;\nmany#00000014 list:Vector<Upd> = Many;');
    expect(convertObject(newer, { _: 'many', list: [{ _: 'oldUpd' }, { _: 'newsUpd', n: 3 }] })).to.deep.equal({ _: 'many', list: [{ _: 'newsUpd', n: 3 }] });
    expect(() => convertObject(newer, { _: 'short', update: { _: 'oldUpd' } })).to.throw(LayerConversionError);
    expect(older.byName.get('short')!.id).to.equal(3);
  });
});
