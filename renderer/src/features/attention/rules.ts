// Resolving an attention config (tile + ordered rules) into one pattern per (step, layer, head),
// exactly as the engine does (tessera.h tsr_attn_rule): rules apply in order, later ones override,
// ranges are half-open with end -1 meaning "to the last", head -1/absent means every head, and
// anything no rule covers is dense. Also the whole-run sparsity and speed-up estimate.
import type { AttnConfig, AttnRule } from '../../../../app/engine/types';
import { DEFAULT_TILE, keptFraction, type HeadPattern, type Vec3 } from './geometry';

export interface ModelShape {
  layers: number;
  heads: number;
}

function inRange(i: number, range: [number, number] | undefined): boolean {
  if (!range) return true;
  const [b, e] = range;
  return i >= b && (e < 0 || i < e);
}

export function ruleCovers(rule: AttnRule, step: number, layer: number, head: number): boolean {
  const h = rule.head ?? -1;
  return inRange(step, rule.steps) && inRange(layer, rule.layers) && (h < 0 || h === head);
}

export function ruleToPattern(rule: AttnRule): HeadPattern {
  if (rule.pattern === 'sta') return { pattern: 'sta', window: rule.window ?? [1, 1, 1] };
  if (rule.pattern === 'tile') return { pattern: 'tile', globalFrames: rule.globalFrames ?? 1 };
  return { pattern: 'dense' };
}

export function resolvePattern(config: AttnConfig, step: number, layer: number, head: number): HeadPattern {
  let found: AttnRule | undefined;
  for (const rule of config.rules) if (ruleCovers(rule, step, layer, head)) found = rule;
  return found ? ruleToPattern(found) : { pattern: 'dense' };
}

export function patternKey(p: HeadPattern): string {
  if (p.pattern === 'sta') return `sta:${p.window.join(',')}`;
  if (p.pattern === 'tile') return `tile:${p.globalFrames}`;
  return 'dense';
}

export function patternLabel(p: HeadPattern): string {
  if (p.pattern === 'sta') return p.window.join('×');
  if (p.pattern === 'tile') return `tile k=${p.globalFrames}`;
  return 'dense';
}

export interface PlanEstimate {
  /** Fraction of tile blocks skipped over all (step, layer, head) attention calls. */
  sparsity: number;
  /** Same, weighted by token pairs (the attention work skipped). */
  tokenSparsity: number;
  /** Expected attention speed-up vs dense: dense work / kept work (ideal kernel). */
  speedup: number;
  /** Number of distinct patterns in use, for a compact summary. */
  patterns: Map<string, number>;
}

export function estimatePlan(
  config: AttnConfig,
  grid: Vec3,
  shape: ModelShape,
  steps: number,
): PlanEstimate {
  const tile = config.tile ?? DEFAULT_TILE;
  const cache = new Map<string, { blocks: number; tokens: number }>();
  const patterns = new Map<string, number>();
  let blocks = 0;
  let tokens = 0;
  const calls = Math.max(1, steps) * Math.max(1, shape.layers) * Math.max(1, shape.heads);
  for (let s = 0; s < Math.max(1, steps); s++) {
    for (let l = 0; l < Math.max(1, shape.layers); l++) {
      for (let h = 0; h < Math.max(1, shape.heads); h++) {
        const p = resolvePattern(config, s, l, h);
        const key = patternKey(p);
        let kept = cache.get(key);
        if (!kept) {
          kept = keptFraction(grid, tile, p);
          cache.set(key, kept);
        }
        patterns.set(key, (patterns.get(key) ?? 0) + 1);
        blocks += kept.blocks;
        tokens += kept.tokens;
      }
    }
  }
  const keptTokens = tokens / calls;
  return {
    sparsity: 1 - blocks / calls,
    tokenSparsity: 1 - keptTokens,
    speedup: keptTokens > 0 ? 1 / keptTokens : 1,
    patterns,
  };
}

/** Rules that reproduce a calibration's per-layer/head windows from step `fromStep` on. */
export function rulesFromWindows(windows: Vec3[][], fromStep: number): AttnRule[] {
  const rules: AttnRule[] = [];
  windows.forEach((heads, layer) => {
    // One rule per layer when every head got the same window keeps the list short.
    const same = heads.every((w) => w.join() === heads[0]?.join());
    if (same && heads.length > 0) {
      rules.push({ steps: [fromStep, -1], layers: [layer, layer + 1], head: -1, pattern: 'sta', window: [...heads[0]] as Vec3 });
      return;
    }
    heads.forEach((w, head) => {
      rules.push({ steps: [fromStep, -1], layers: [layer, layer + 1], head, pattern: 'sta', window: [...w] as Vec3 });
    });
  });
  return rules;
}
