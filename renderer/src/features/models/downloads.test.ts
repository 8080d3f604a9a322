import { describe, expect, it } from 'vitest';
import { parseDownloadList } from './downloads';

const sha = 'a'.repeat(64);

describe('download list', () => {
  it('parses url, sha256 and path per line', () => {
    expect(parseDownloadList(`https://x.org/c.json ${sha} config.json\n# note\nhttp://x.org/w ${sha.toUpperCase()} sub/w.safetensors`)).toEqual({
      ok: true,
      files: [
        { url: 'https://x.org/c.json', sha256: sha, path: 'config.json' },
        { url: 'http://x.org/w', sha256: sha, path: 'sub/w.safetensors' },
      ],
    });
  });
  it('rejects bad lines with the line number', () => {
    expect(parseDownloadList('')).toMatchObject({ ok: false });
    expect(parseDownloadList(`ftp://x ${sha} a`)).toMatchObject({ ok: false, error: expect.stringContaining('line 1') });
    expect(parseDownloadList(`https://x abc a`)).toMatchObject({ ok: false, error: expect.stringContaining('sha256') });
    expect(parseDownloadList(`https://x ${sha} ../a`)).toMatchObject({ ok: false });
    expect(parseDownloadList(`https://x ${sha} /etc/a`)).toMatchObject({ ok: false });
  });
});
