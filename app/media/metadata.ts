// Generation settings embedded in exported files, and read back exactly ("reuse settings").
// The JSON text is wrapped in an envelope {"tessera": 1, "settings": ...} so that a stranger's
// comment is never taken for settings:
//   MP4 / WebM: the container's `comment` tag (ffmpeg -metadata comment=...; ffprobe format tags)
//   GIF: a Comment Extension block after the global colour table (ffmpeg 5 writes none itself;
//        ffprobe reads it back as the `comment` tag)
//   PNG: an iTXt chunk with keyword "Comment" (UTF-8) before IEND
//   PNG frame folder: settings.json beside the frames (and iTXt in each frame)
import { readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { MediaError } from './errors.js';
import { runTool } from './run.js';

export const ENVELOPE_VERSION = 1;
export const SETTINGS_FILE = 'settings.json';

export function settingsComment(settings: unknown): string {
  return JSON.stringify({ tessera: ENVELOPE_VERSION, settings });
}

/** The settings inside an envelope string, or null when it is not ours. */
export function parseSettingsComment(text: string | undefined | null): unknown | null {
  if (!text) return null;
  try {
    const o = JSON.parse(text) as { tessera?: unknown; settings?: unknown };
    if (o !== null && typeof o === 'object' && typeof o.tessera === 'number' && 'settings' in o) return o.settings;
  } catch {
    // not JSON: someone else's comment
  }
  return null;
}

// ---------------------------------------------------------------- GIF comment extension
export function gifWithComment(gif: Uint8Array, comment: string): Buffer {
  const b = Buffer.from(gif.buffer, gif.byteOffset, gif.byteLength);
  if (b.length < 13 || b.toString('latin1', 0, 3) !== 'GIF') throw new MediaError('INVALID_INPUT', 'not a GIF file');
  const flags = b[10]!;
  const at = 13 + ((flags & 0x80) !== 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const text = Buffer.from(comment, 'utf8');
  const parts: Buffer[] = [b.subarray(0, at), Buffer.from([0x21, 0xfe])];
  for (let i = 0; i < text.length; i += 255) {
    const chunk = text.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  parts.push(Buffer.from([0]), b.subarray(at));
  return Buffer.concat(parts);
}

/** Comment extensions of a GIF, walking its blocks. */
export function gifComments(gif: Buffer): string[] {
  const out: string[] = [];
  if (gif.length < 13 || gif.toString('latin1', 0, 3) !== 'GIF') return out;
  const flags = gif[10]!;
  let i = 13 + ((flags & 0x80) !== 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const skipSubBlocks = (start: number, collect?: Buffer[]): number => {
    let j = start;
    while (j < gif.length && gif[j] !== 0) {
      const n = gif[j]!;
      collect?.push(gif.subarray(j + 1, j + 1 + n));
      j += n + 1;
    }
    return j + 1;
  };
  while (i < gif.length) {
    const b = gif[i]!;
    if (b === 0x3b) break; // trailer
    if (b === 0x21) {
      const label = gif[i + 1];
      if (label === 0xfe) {
        const parts: Buffer[] = [];
        i = skipSubBlocks(i + 2, parts);
        out.push(Buffer.concat(parts).toString('utf8'));
      } else {
        i = skipSubBlocks(i + 2);
      }
    } else if (b === 0x2c) {
      const lflags = gif[i + 9]!;
      i += 10 + ((lflags & 0x80) !== 0 ? 3 * (1 << ((lflags & 7) + 1)) : 0);
      i = skipSubBlocks(i + 1); // LZW minimum code size, then data
    } else {
      break; // malformed
    }
  }
  return out;
}

// ---------------------------------------------------------------- PNG iTXt chunk
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngWithComment(png: Buffer, comment: string): Buffer {
  if (png.length < 20 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new MediaError('INVALID_INPUT', 'not a PNG file');
  // keyword \0, compression flag 0, method 0, language tag "" \0, translated keyword "" \0, text
  const data = Buffer.concat([Buffer.from('Comment\0\0\0\0\0', 'latin1'), Buffer.from(comment, 'utf8')]);
  const type = Buffer.from('iTXt', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  const iend = png.length - 12; // IEND is the last chunk: length 0, type, CRC
  return Buffer.concat([png.subarray(0, iend), len, type, data, crc, png.subarray(iend)]);
}

export function pngComments(png: Buffer): string[] {
  const out: string[] = [];
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) return out;
  let i = 8;
  while (i + 8 <= png.length) {
    const n = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    const data = png.subarray(i + 8, i + 8 + n);
    if (type === 'iTXt' || type === 'tEXt') {
      const nul = data.indexOf(0);
      if (nul > 0 && data.toString('latin1', 0, nul) === 'Comment') {
        if (type === 'tEXt') {
          out.push(data.toString('latin1', nul + 1));
        } else {
          // skip compression flag, method, language tag, translated keyword
          let j = nul + 3;
          j = data.indexOf(0, j) + 1;
          j = data.indexOf(0, j) + 1;
          out.push(data.toString('utf8', j));
        }
      }
    }
    i += 12 + n;
  }
  return out;
}

// ---------------------------------------------------------------- reading back
async function probeComment(file: string): Promise<string | null> {
  const json = await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file]);
  const tags = (JSON.parse(json) as { format?: { tags?: Record<string, string> } }).format?.tags ?? {};
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === 'comment') return v;
  return null;
}

/**
 * The generation settings embedded in an exported file (or frame folder), exactly as they were
 * given to the encoder; null when the file carries none.
 */
export async function readSettings(path: string): Promise<unknown | null> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new MediaError('IO_ERROR', `${path}: ${(err as Error).message}`, { cause: err });
  }
  if (isDir) {
    try {
      return parseSettingsComment(readFileSync(join(path, SETTINGS_FILE), 'utf8'));
    } catch {
      return null;
    }
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.gif' || ext === '.png') {
    const buf = readFileSync(path);
    for (const c of ext === '.gif' ? gifComments(buf) : pngComments(buf)) {
      const s = parseSettingsComment(c);
      if (s !== null) return s;
    }
    return null;
  }
  return parseSettingsComment(await probeComment(path));
}
