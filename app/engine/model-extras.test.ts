import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WAN21_NEGATIVE_PROMPT, defaultNegativePrompt, readModelExtras } from './model-extras.js';

const dirs: string[] = [];
function folder(tessera?: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'tsr-extras-'));
  dirs.push(d);
  if (tessera !== undefined) writeFileSync(join(d, 'tessera.json'), typeof tessera === 'string' ? tessera : JSON.stringify(tessera));
  return d;
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('default negative prompt', () => {
  it('is the official Chinese prompt for official Wan2.1 folders, none for Diffusers ones', () => {
    expect(WAN21_NEGATIVE_PROMPT).toHaveLength(137);
    expect(WAN21_NEGATIVE_PROMPT.startsWith('色调艳丽，过曝，静态')).toBe(true);
    expect(defaultNegativePrompt('official', readModelExtras(folder()))).toBe(WAN21_NEGATIVE_PROMPT);
    expect(defaultNegativePrompt('diffusers', readModelExtras(folder()))).toBe('');
  });
  it('comes from tessera.json when it sets one, even an empty one', () => {
    expect(defaultNegativePrompt('official', readModelExtras(folder({ defaults: { negative_prompt: 'blurry' } })))).toBe('blurry');
    expect(defaultNegativePrompt('official', readModelExtras(folder({ defaults: { negative_prompt: '' } })))).toBe('');
  });
});

describe('readModelExtras', () => {
  it('reads the name and the default attention configuration', () => {
    const rules = [{ pattern: 'sta', window: [3, 3, 3], layers: [1, -1] }];
    expect(readModelExtras(folder({ name: 'Mine', defaults: { attention: { tile: [6, 8, 8], rules } } })))
      .toEqual({ name: 'Mine', attention: { tile: [6, 8, 8], rules } });
  });
  it('ignores a missing or malformed file (the engine reports a malformed one)', () => {
    expect(readModelExtras(folder())).toEqual({});
    expect(readModelExtras(folder('{ not json'))).toEqual({});
    expect(readModelExtras(folder('[1, 2]'))).toEqual({});
  });
});
