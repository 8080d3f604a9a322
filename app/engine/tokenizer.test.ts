import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { PromptTokenizer, findTokenizerJson } from './tokenizer.js';

const special = (id: number, content: string) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
});

/** A WordLevel tokenizer like the demo model's. */
function wordLevel(words: string[]) {
  const vocab: Record<string, number> = { '<pad>': 0, '</s>': 1, '<unk>': 2 };
  words.forEach((w, i) => { vocab[w] = i + 3; });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}

/** A small SentencePiece-style Unigram tokenizer with umT5's ids for pad/EOS/unk. */
function unigram() {
  const pieces: Array<[string, number]> = [
    ['<pad>', 0], ['</s>', 0], ['<unk>', 0],
    ['\u2581', -2], ['\u2581a', -3], ['\u2581red', -4], ['\u2581ball', -4], ['\u2581bounc', -6], ['ing', -3],
    ['\u2581blue', -4], [',', -3], ['r', -6], ['e', -6], ['d', -6], ['b', -6], ['a', -6], ['l', -6], ['\u2581re', -8],
  ];
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [], special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
}

const dirs: string[] = [];
function modelDir(rel: string, json: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsr-tok-'));
  dirs.push(dir);
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), JSON.stringify(json));
  return dir;
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('PromptTokenizer with a WordLevel vocabulary', () => {
  const tok = PromptTokenizer.fromJson(wordLevel(['a', 'red', 'ball', 'bouncing', 'on', 'blue', 'background']));

  it('maps words to ids and appends EOS, without padding', () => {
    expect(Array.from(tok.encode('A red ball bouncing on a blue background', 512))).toEqual([3, 4, 5, 6, 7, 3, 8, 9, 1]);
  });
  it('maps unknown words to <unk>', () => {
    expect(Array.from(tok.encode('a green ball', 512))).toEqual([3, 2, 5, 1]);
  });
  it('cleans the prompt first (HTML entities, fullwidth forms, whitespace)', () => {
    expect(tok.pieces('  ＲＥＤ&amp;nbsp;ball ')).toEqual(['red', 'ball']);
  });
  it('truncates to textLen - 1 pieces plus EOS', () => {
    const ids = tok.encode('a red ball bouncing on a blue background', 4);
    expect(Array.from(ids)).toEqual([3, 4, 5, 1]);
    expect(Array.from(tok.encode('', 4))).toEqual([1]);
    expect(Array.from(tok.encode('red', 1))).toEqual([1]);
  });
  it('rejects a bad text length', () => {
    expect(() => tok.encode('a', 0)).toThrow(EngineError);
  });
});

describe('PromptTokenizer with a Unigram (SentencePiece) model', () => {
  const tok = PromptTokenizer.fromJson(unigram());

  it('segments with the best-scoring pieces and adds a single EOS', () => {
    expect(tok.pieces('a red ball bouncing')).toEqual(['\u2581a', '\u2581red', '\u2581ball', '\u2581bounc', 'ing']);
    expect(Array.from(tok.encode('a red ball bouncing', 512))).toEqual([4, 5, 6, 7, 8, 1]);
  });
  it('normalises fullwidth input to the same ids', () => {
    expect(Array.from(tok.encode('ａ　ｒｅｄ　ｂａｌｌ', 512))).toEqual(Array.from(tok.encode('a red ball', 512)));
  });
  it('truncates long prompts to textLen - 1 pieces', () => {
    const long = Array.from({ length: 600 }, () => 'red').join(' ');
    const ids = tok.encode(long, 512);
    expect(ids.length).toBe(512);
    expect(ids[510]).toBe(5);
    expect(ids[511]).toBe(1);
  });
});

describe('loading from a model folder', () => {
  it('finds tokenizer.json in the official and the Diffusers layout', () => {
    const official = modelDir('google/umt5-xxl/tokenizer.json', wordLevel(['red']));
    const diffusers = modelDir('tokenizer/tokenizer.json', unigram());
    expect(findTokenizerJson(official)).toBe(join(official, 'google/umt5-xxl/tokenizer.json'));
    expect(Array.from(PromptTokenizer.fromModelDir(official).encode('red', 8))).toEqual([3, 1]);
    expect(Array.from(PromptTokenizer.fromModelDir(diffusers).encode('red', 8))).toEqual([5, 1]);
  });
  it('reads special tokens from tokenizer_config.json beside it', () => {
    const json = wordLevel(['red']);
    json.added_tokens.push(special(4, '[END]'));
    (json.model.vocab as Record<string, number>)['[END]'] = 4;
    const dir = modelDir('tokenizer/tokenizer.json', json);
    writeFileSync(join(dir, 'tokenizer/tokenizer_config.json'), JSON.stringify({ eos_token: { content: '[END]' } }));
    expect(Array.from(PromptTokenizer.fromModelDir(dir).encode('red', 8))).toEqual([3, 4]);
  });
  it('gives TOKENIZER_ERROR for a missing, corrupt or incomplete tokenizer', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tsr-tok-'));
    dirs.push(empty);
    const expectCode = (fn: () => unknown) => {
      try { fn(); } catch (e) { expect((e as EngineError).code).toBe('TOKENIZER_ERROR'); return; }
      throw new Error('expected a TOKENIZER_ERROR');
    };
    expectCode(() => PromptTokenizer.fromModelDir(empty));
    const corrupt = modelDir('tokenizer/tokenizer.json', {});
    writeFileSync(join(corrupt, 'tokenizer/tokenizer.json'), '{"model": ');
    expectCode(() => PromptTokenizer.fromModelDir(corrupt));
    expectCode(() => PromptTokenizer.fromJson({ version: '1.0' }));
    const noEos = wordLevel(['red']);
    delete (noEos.model.vocab as Record<string, number>)['</s>'];
    noEos.added_tokens = noEos.added_tokens.filter((t) => t.content !== '</s>');
    expectCode(() => PromptTokenizer.fromJson(noEos));
  });
});
