// What the JS side reads from a model folder itself: the tessera.json fields the C API does not
// carry (name, default negative prompt, default attention), and the negative prompt to use when
// the user gives none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttnConfig, AttnRule } from './types.js';

/** Wan2.1's default negative prompt (spec/wan21.md §7.1, `shared_config.py`), used verbatim. */
export const WAN21_NEGATIVE_PROMPT =
  '色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走';

export interface ModelExtras {
  name?: string;
  /** From tessera.json defaults.negative_prompt; undefined when the file does not set it. */
  negativePrompt?: string;
  attention?: AttnConfig;
}

function isTriple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((x) => Number.isInteger(x));
}

function parseAttention(v: unknown): AttnConfig | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as { tile?: unknown; rules?: unknown };
  const rules = Array.isArray(o.rules) ? (o.rules as AttnRule[]) : [];
  return { ...(isTriple(o.tile) ? { tile: o.tile } : {}), rules };
}

/** Reads tessera.json if present; a malformed file is reported by the engine's loader, not here. */
export function readModelExtras(dir: string): ModelExtras {
  const p = join(dir, 'tessera.json');
  if (!existsSync(p)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return {};
  }
  if (json === null || typeof json !== 'object') return {};
  const o = json as { name?: unknown; defaults?: { negative_prompt?: unknown; attention?: unknown } };
  const extras: ModelExtras = {};
  if (typeof o.name === 'string') extras.name = o.name;
  if (typeof o.defaults?.negative_prompt === 'string') extras.negativePrompt = o.defaults.negative_prompt;
  const attention = parseAttention(o.defaults?.attention);
  if (attention) extras.attention = attention;
  return extras;
}

/** The negative prompt used when the user leaves it empty. */
export function defaultNegativePrompt(layout: string, extras: ModelExtras): string {
  if (extras.negativePrompt !== undefined) return extras.negativePrompt;
  // The official reference falls back to its Chinese prompt; the Diffusers pipeline uses none.
  return layout === 'official' ? WAN21_NEGATIVE_PROMPT : '';
}
