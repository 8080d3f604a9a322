// Parses the download form's file list: "URL SHA256 PATH" per line.
export interface DownloadFileSpec {
  url: string;
  sha256: string;
  path: string;
}

export function parseDownloadList(text: string): { ok: true; files: DownloadFileSpec[] } | { ok: false; error: string } {
  const files: DownloadFileSpec[] = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) return { ok: false, error: 'add at least one file' };
  for (const [i, line] of lines.entries()) {
    const parts = line.split(/\s+/);
    if (parts.length !== 3) return { ok: false, error: `line ${i + 1}: expected URL, sha256 and path` };
    const [url, sha256, path] = parts;
    if (!/^https?:\/\/\S+$/i.test(url)) return { ok: false, error: `line ${i + 1}: "${url}" is not an http(s) URL` };
    if (!/^[0-9a-f]{64}$/i.test(sha256)) return { ok: false, error: `line ${i + 1}: sha256 must be 64 hex digits` };
    if (path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '' || s === '.'))
      return { ok: false, error: `line ${i + 1}: "${path}" must be a relative path inside the model folder` };
    files.push({ url, sha256: sha256.toLowerCase(), path });
  }
  return { ok: true, files };
}
