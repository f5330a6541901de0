/**
 * Turns the media of a GramJS message into a MediaRef (src/domain/media.ts): plain data the bot can
 * offer actions on before anything is downloaded, and that a job stores to download the file
 * later with upload.getFile (mediaMessage.ts's inputLocationOf is the way back).
 *
 * The kind follows the document's attributes as Telegram clients read them
 * (core.telegram.org/api/files#document-attributes): documentAttributeAnimated makes a GIF-like
 * animation whatever else it carries; documentAttributeAudio with `voice` is a voice note,
 * without it music; documentAttributeVideo is a video (round videos included); anything else is a
 * plain document. A compressed photo is fetched at its largest size.
 */
import { Api } from 'telegram';
import type { MediaRef } from '../../domain/media.js';

/** The size types of a photo whose bytes cannot be fetched with upload.getFile. */
const INLINE_PHOTO_SIZES = [Api.PhotoStrippedSize, Api.PhotoCachedSize, Api.PhotoPathSize, Api.PhotoSizeEmpty];

function kindOfDocument(attributes: Api.TypeDocumentAttribute[]): MediaRef['kind'] {
  if (attributes.some((a) => a instanceof Api.DocumentAttributeAnimated)) return 'animation';
  const audio = attributes.find((a): a is Api.DocumentAttributeAudio => a instanceof Api.DocumentAttributeAudio);
  if (audio) return audio.voice ? 'voice' : 'audio';
  if (attributes.some((a) => a instanceof Api.DocumentAttributeVideo)) return 'video';
  return 'document';
}

function fromDocument(doc: Api.Document): MediaRef {
  const ref: MediaRef = {
    kind: kindOfDocument(doc.attributes),
    location: {
      type: 'document',
      id: doc.id.toString(),
      accessHash: doc.accessHash.toString(),
      fileReference: Buffer.from(doc.fileReference).toString('base64'),
      dcId: doc.dcId,
    },
    sizeBytes: Number(doc.size.toString()),
    mimeType: doc.mimeType || 'application/octet-stream',
  };
  for (const attr of doc.attributes) {
    if (attr instanceof Api.DocumentAttributeFilename) {
      ref.fileName = attr.fileName;
    } else if (attr instanceof Api.DocumentAttributeVideo) {
      ref.durationSeconds = attr.duration;
      ref.width = attr.w;
      ref.height = attr.h;
    } else if (attr instanceof Api.DocumentAttributeAudio) {
      // A video with a sound track may carry both; the video's duration wins.
      ref.durationSeconds ??= attr.duration;
      if (attr.title !== undefined) ref.title = attr.title;
      if (attr.performer !== undefined) ref.performer = attr.performer;
    } else if (attr instanceof Api.DocumentAttributeImageSize) {
      ref.width ??= attr.w;
      ref.height ??= attr.h;
    }
  }
  return ref;
}

/** The byte size of a downloadable photo size (progressive sizes list their prefixes; the last is the whole). */
function photoSizeBytes(size: Api.TypePhotoSize): number {
  if (size instanceof Api.PhotoSize) return size.size;
  if (size instanceof Api.PhotoSizeProgressive) return size.sizes[size.sizes.length - 1] ?? 0;
  return 0;
}

function fromPhoto(photo: Api.Photo): MediaRef | null {
  let best: Api.PhotoSize | Api.PhotoSizeProgressive | undefined;
  for (const size of photo.sizes) {
    if (INLINE_PHOTO_SIZES.some((cls) => size instanceof cls)) continue;
    if (!(size instanceof Api.PhotoSize) && !(size instanceof Api.PhotoSizeProgressive)) continue;
    const area = size.w * size.h;
    const bestArea = best ? best.w * best.h : -1;
    // Sizes without dimensions (w = h = 0) still compare by bytes.
    if (!best || area > bestArea || (area === bestArea && photoSizeBytes(size) > photoSizeBytes(best))) best = size;
  }
  if (!best) return null;
  const ref: MediaRef = {
    kind: 'photo',
    location: {
      type: 'photo',
      id: photo.id.toString(),
      accessHash: photo.accessHash.toString(),
      fileReference: Buffer.from(photo.fileReference).toString('base64'),
      dcId: photo.dcId,
      thumbSize: best.type,
    },
    sizeBytes: photoSizeBytes(best),
    mimeType: 'image/jpeg',
  };
  if (best.w > 0 && best.h > 0) {
    ref.width = best.w;
    ref.height = best.h;
  }
  return ref;
}

/** The MediaRef of a message's file, or null when it has none Courier can fetch (text, polls, expired photos...). */
export function mediaRefOf(message: Api.Message): MediaRef | null {
  const media = message.media;
  if (media instanceof Api.MessageMediaDocument && media.document instanceof Api.Document) return fromDocument(media.document);
  if (media instanceof Api.MessageMediaPhoto && media.photo instanceof Api.Photo) return fromPhoto(media.photo);
  return null;
}
