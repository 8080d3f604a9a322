// One file over HTTP(S) into `<target>.part`, resuming with a Range request from the bytes
// already there, hashing as it goes; the part becomes the target only when the sha256 matches.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { ApiError } from '../../contract/errors.js';

export interface FileRequest {
  url: string;
  target: string;
  sha256: string;
  sizeBytes?: number | undefined;
}

export interface FileProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

async function hashExisting(file: string, hash: Hash, signal: AbortSignal): Promise<number> {
  let n = 0;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    if (signal.aborted) {
      stream.destroy();
      throw new ApiError('CANCELLED', 'download cancelled');
    }
    hash.update(chunk as Buffer);
    n += (chunk as Buffer).length;
  }
  return n;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await hashExisting(file, h, new AbortController().signal);
  return h.digest('hex');
}

function fail(url: string, why: string): ApiError {
  return new ApiError('DOWNLOAD_FAILED', `${url}: ${why}`);
}

/** Downloads (or finishes downloading) one file; resolves once it is verified in place. */
export async function downloadFile(req: FileRequest, signal: AbortSignal, onProgress: (p: FileProgress) => void,
  fetchImpl: typeof fetch = fetch): Promise<void> {
  const part = `${req.target}.part`;
  const expected = req.sha256.toLowerCase();
  let hash = createHash('sha256');
  let offset = fs.existsSync(part) ? await hashExisting(part, hash, signal) : 0;

  let res: Response;
  try {
    res = await fetchImpl(req.url, { signal, redirect: 'follow', headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
  } catch (e) {
    if (signal.aborted) throw new ApiError('CANCELLED', 'download cancelled');
    throw fail(req.url, (e as Error).message);
  }

  let total: number | null = req.sizeBytes ?? null;
  let append = false;
  if (res.status === 206 && offset > 0) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== offset) throw fail(req.url, 'the server answered the resume request with a different range');
    if (m[3] !== '*') total = Number(m[3]);
    append = true;
  } else if (res.status === 416 && offset > 0) {
    // Nothing left to fetch: the part may already be complete; the hash decides.
    await res.body?.cancel();
    append = true;
  } else if (res.status === 200) {
    // No range support (or a fresh start): begin from zero.
    const len = Number(res.headers.get('content-length'));
    if (Number.isFinite(len) && len > 0) total = len;
    offset = 0;
    hash = createHash('sha256');
  } else {
    await res.body?.cancel().catch(() => undefined);
    throw fail(req.url, `HTTP ${res.status} ${res.statusText}`);
  }
  if (req.sizeBytes !== undefined && total !== null && total !== req.sizeBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw fail(req.url, `the server reports ${total} bytes, expected ${req.sizeBytes}`);
  }

  let received = offset;
  onProgress({ receivedBytes: received, totalBytes: total });
  if (res.status !== 416 && res.body) {
    const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
    const closed = new Promise<void>((resolve, reject) => { out.on('close', resolve); out.on('error', reject); });
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        onProgress({ receivedBytes: received, totalBytes: total });
      }
    } catch (e) {
      out.end();
      await closed.catch(() => undefined);
      if (signal.aborted) throw new ApiError('CANCELLED', 'download cancelled');
      throw fail(req.url, `the connection broke after ${received} bytes: ${(e as Error).message}`);
    }
    out.end();
    try {
      await closed;
    } catch (e) {
      throw new ApiError('IO_ERROR', `cannot write ${part}: ${(e as Error).message}`);
    }
  }
  if (total !== null && received !== total) {
    throw fail(req.url, `got ${received} of ${total} bytes`);
  }
  const digest = hash.digest('hex');
  if (digest !== expected) {
    fs.rmSync(part, { force: true });
    throw new ApiError('CHECKSUM_MISMATCH', `${req.url}: sha256 is ${digest}, expected ${expected}; the file was discarded`);
  }
  fs.renameSync(part, req.target);
}
