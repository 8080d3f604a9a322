// umT5 prompt tokenization in JavaScript (the engine takes token ids): the model folder's
// tokenizer.json through @huggingface/tokenizers, after Wan's text cleaning. Output follows the
// reference call (padding to max_length, truncation, add_special_tokens) minus the padding, which
// the engine does: pieces truncated to textLen - 1, then EOS.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from './errors.js';
import { cleanPrompt } from './text-clean.js';

/** Where the two supported layouts keep tokenizer.json (docs/model-folder.md). */
const TOKENIZER_PATHS = ['google/umt5-xxl/tokenizer.json', 'tokenizer/tokenizer.json', 'tokenizer.json'];

export function findTokenizerJson(modelDir: string): string | null {
  for (const rel of TOKENIZER_PATHS) {
    const p = join(modelDir, rel);
    if (existsSync(p)) return p;
  }
  return null;
}

interface TokenizerJson {
  model?: { type?: string; unk_token?: string; unk_id?: number; vocab?: unknown };
  added_tokens?: Array<{ id: number; content: string }>;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EngineError('TOKENIZER_ERROR', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EngineError('TOKENIZER_ERROR', `${what} ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export class PromptTokenizer {
  readonly eosId: number;
  readonly padId: number;
  private readonly tok: Tokenizer;

  private constructor(tok: Tokenizer, eosId: number, padId: number) {
    this.tok = tok;
    this.eosId = eosId;
    this.padId = padId;
  }

  /** Loads tokenizer.json (and tokenizer_config.json beside it, when present) from a model folder. */
  static fromModelDir(modelDir: string): PromptTokenizer {
    const path = findTokenizerJson(modelDir);
    if (path === null) {
      throw new EngineError('TOKENIZER_ERROR',
        `no tokenizer.json in ${modelDir} (looked for ${TOKENIZER_PATHS.join(', ')})`);
    }
    const json = readJson(path, 'tokenizer');
    const cfgPath = join(path, '..', 'tokenizer_config.json');
    const config = existsSync(cfgPath) ? readJson(cfgPath, 'tokenizer config') : {};
    return PromptTokenizer.fromJson(json, config as Record<string, unknown>, path);
  }

  static fromJson(json: unknown, config: Record<string, unknown> = {}, source = 'tokenizer.json'): PromptTokenizer {
    if (json === null || typeof json !== 'object' || typeof (json as TokenizerJson).model !== 'object') {
      throw new EngineError('TOKENIZER_ERROR', `${source} has no "model" section`);
    }
    const tj = json as TokenizerJson;
    const special = (name: string): string | undefined => {
      const v = config[name];
      if (typeof v === 'string') return v;
      if (v !== null && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
        return (v as { content: string }).content;
      }
      return undefined;
    };
    // T5's conventions unless tokenizer_config.json says otherwise; WordLevel models name their
    // unknown token in the model section, which the library only reads from the config.
    const merged = {
      ...config,
      eos_token: special('eos_token') ?? '</s>',
      pad_token: special('pad_token') ?? '<pad>',
      unk_token: special('unk_token') ?? tj.model?.unk_token ?? '<unk>',
    };
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, merged);
    } catch (err) {
      throw new EngineError('TOKENIZER_ERROR', `cannot build the tokenizer from ${source}: ${(err as Error).message}`,
        { cause: err });
    }
    const eosId = tok.token_to_id(merged.eos_token);
    if (eosId === undefined) {
      throw new EngineError('TOKENIZER_ERROR', `${source} has no end-of-sequence token "${merged.eos_token}"`);
    }
    return new PromptTokenizer(tok, eosId, tok.token_to_id(merged.pad_token) ?? 0);
  }

  /** Pieces of the cleaned prompt, without EOS (for inspection and tests). */
  pieces(prompt: string): string[] {
    return this.tok.tokenize(cleanPrompt(prompt), { add_special_tokens: false });
  }

  /** Token ids for the engine: cleaned prompt, at most textLen - 1 pieces, then EOS. */
  encode(prompt: string, textLen: number): Int32Array {
    if (!Number.isInteger(textLen) || textLen < 1) {
      throw new EngineError('INVALID_ARGUMENT', `text length must be a positive integer, got ${textLen}`);
    }
    const { ids } = this.tok.encode(cleanPrompt(prompt), { add_special_tokens: false });
    const n = Math.min(ids.length, textLen - 1);
    const out = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        throw new EngineError('TOKENIZER_ERROR', `the tokenizer produced an invalid id for piece ${i} of "${prompt}"`);
      }
      out[i] = id;
    }
    out[n] = this.eosId;
    return out;
  }
}
