import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { explainLoadError, loadNative } from './native.js';

const dir = mkdtempSync(join(tmpdir(), 'tsr-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('addon loader', () => {
  it('explains why each location failed (missing file, not a library)', () => {
    const junk = join(dir, 'junk.node');
    writeFileSync(junk, 'not a shared library'.repeat(300));
    const short = join(dir, 'short.node');
    writeFileSync(short, 'x');
    let err: unknown;
    try {
      loadNative([join(dir, 'missing.node'), junk, short]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('ADDON_LOAD_FAILED');
    const msg = (err as Error).message;
    expect(msg).toContain(`${join(dir, 'missing.node')}: not found (build it with \`npm run build:native\`)`);
    expect(msg).toContain('junk.node: built for another platform or CPU architecture');
    expect(msg).toContain('short.node: not a valid library (truncated or corrupt file');
  });

  it('names a missing library, an ABI mismatch and a stale build', () => {
    const p = join(dir, 'junk.node');
    expect(explainLoadError(p, new Error('libcudart.so.12: cannot open shared object file: No such file or directory')))
      .toContain('a library it needs is missing: libcudart.so.12 (install the NVIDIA driver');
    expect(explainLoadError(p, new Error('libfoo.so.1: cannot open shared object file'))).toContain('libfoo.so.1 (install it');
    expect(explainLoadError(p, new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 115')))
      .toContain('built for another Node.js/Electron ABI');
    expect(explainLoadError(p, new Error('undefined symbol: tsr_generate'))).toContain('incomplete or stale build');
  });
});
