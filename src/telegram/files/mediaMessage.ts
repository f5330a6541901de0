/**
 * The TL shapes of a sent file, both ways: the InputMedia that messages.sendMedia takes for a
 * ResultFile (fresh upload) or a StoredMedia (re-use), and the StoredMedia read back from the
 * message Telegram created. Pure: no client, so unit tests build and inspect them directly.
 *
 * Attributes follow core.telegram.org/api/files#document-attributes: a video carries
 * documentAttributeVideo (duration, w, h, supports_streaming so apps play it while it loads),
 * an animation documentAttributeAnimated plus the video attribute, music documentAttributeAudio
 * (duration, title, performer), and every document its documentAttributeFilename.
 */
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { ResultFile, StoredMedia } from '../../domain/mediaPorts.js';

type FileAttributes = Omit<ResultFile, 'path' | 'thumbPath'>;

/** Whole seconds never below zero: Telegram rejects negative durations and older layers take ints. */
const seconds = (value: number | undefined): number => Math.max(0, Math.round(value ?? 0));

export function documentAttributesOf(file: FileAttributes): Api.TypeDocumentAttribute[] {
  const attributes: Api.TypeDocumentAttribute[] = [];
  if (file.sendAs === 'video' || file.sendAs === 'animation') {
    attributes.push(
      new Api.DocumentAttributeVideo({
        duration: seconds(file.durationSeconds),
        w: file.width ?? 0,
        h: file.height ?? 0,
        ...(file.sendAs === 'video' && file.supportsStreaming ? { supportsStreaming: true } : {}),
      }),
    );
    if (file.sendAs === 'animation') attributes.push(new Api.DocumentAttributeAnimated());
  } else if (file.sendAs === 'audio') {
    attributes.push(
      new Api.DocumentAttributeAudio({
        duration: seconds(file.durationSeconds),
        ...(file.title !== undefined ? { title: file.title } : {}),
        ...(file.performer !== undefined ? { performer: file.performer } : {}),
      }),
    );
  }
  attributes.push(new Api.DocumentAttributeFilename({ fileName: file.fileName }));
  return attributes;
}

/** The InputMedia for a freshly uploaded file (and its uploaded thumbnail, for documents). */
export function uploadedMediaOf(file: FileAttributes, input: Api.TypeInputFile, thumb?: Api.TypeInputFile): Api.TypeInputMedia {
  if (file.sendAs === 'photo') return new Api.InputMediaUploadedPhoto({ file: input });
  return new Api.InputMediaUploadedDocument({
    file: input,
    mimeType: file.mimeType,
    attributes: documentAttributesOf(file),
    ...(thumb ? { thumb } : {}),
    // "Send as file": keep Telegram from turning a video or picture into a playable one.
    ...(file.sendAs === 'document' ? { forceFile: true } : {}),
  });
}

/** The InputMedia that sends a file already on Telegram's servers again, without uploading. */
export function storedInputMediaOf(stored: StoredMedia): Api.TypeInputMedia {
  const fields = { id: returnBigInt(stored.id), accessHash: returnBigInt(stored.accessHash), fileReference: Buffer.from(stored.fileReference, 'base64') };
  return stored.type === 'photo'
    ? new Api.InputMediaPhoto({ id: new Api.InputPhoto(fields) })
    : new Api.InputMediaDocument({ id: new Api.InputDocument(fields) });
}

/** The StoredMedia of a message's document or photo; null when it has neither. */
export function storedMediaOfMessage(message: Api.Message): StoredMedia | null {
  const media = message.media;
  if (media instanceof Api.MessageMediaDocument && media.document instanceof Api.Document) {
    const d = media.document;
    return { type: 'document', id: d.id.toString(), accessHash: d.accessHash.toString(), fileReference: Buffer.from(d.fileReference).toString('base64') };
  }
  if (media instanceof Api.MessageMediaPhoto && media.photo instanceof Api.Photo) {
    const p = media.photo;
    return { type: 'photo', id: p.id.toString(), accessHash: p.accessHash.toString(), fileReference: Buffer.from(p.fileReference).toString('base64') };
  }
  return null;
}

/** The message a send created, from the Updates messages.sendMedia answered with. */
export function sentMessageOf(result: Api.TypeUpdates): Api.Message | null {
  if (result instanceof Api.Updates || result instanceof Api.UpdatesCombined) {
    for (const u of result.updates) {
      if ((u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) && u.message instanceof Api.Message) return u.message;
    }
  }
  return null;
}

/** The InputFileLocation upload.getFile needs for a MediaRef's file. */
export function inputLocationOf(location: {
  type: 'document' | 'photo';
  id: string;
  accessHash: string;
  fileReference: string;
  thumbSize?: string;
}): Api.TypeInputFileLocation {
  const fields = { id: returnBigInt(location.id), accessHash: returnBigInt(location.accessHash), fileReference: Buffer.from(location.fileReference, 'base64') };
  return location.type === 'photo'
    ? new Api.InputPhotoFileLocation({ ...fields, thumbSize: location.thumbSize ?? 'y' })
    : new Api.InputDocumentFileLocation({ ...fields, thumbSize: '' });
}
