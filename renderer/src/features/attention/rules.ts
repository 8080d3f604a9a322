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

export interface ResolvedPlan {
  steps: number;
  layers: number;
  heads: number;
  /** Distinct patterns; index 0 is dense. */
  patterns: HeadPattern[];
  /** [steps][layers][heads] index into `patterns`. */
  index: Uint16Array;
}

function clampRange(range: [number, number] | undefined, n: number): [number, number] {
  if (!range) return [0, n];
  const b = Math.max(0, range[0]);
  const e = range[1] < 0 ? n : Math.min(n, range[1]);
  return [b, e];
}

/**
 * Every (step, layer, head) resolved at once: rules are painted in order over the cells they
 * cover, so the cost is the cells the rules cover, not cells × rules (a calibrated config has a
 * rule per layer and head).
 */
export function resolveAll(config: AttnConfig, steps: number, layers: number, heads: number): ResolvedPlan {
  const S = Math.max(1, steps);
  const L = Math.max(1, layers);
  const H = Math.max(1, heads);
  const patterns: HeadPattern[] = [{ pattern: 'dense' }];
  const keys = new Map<string, number>([['dense', 0]]);
  const index = new Uint16Array(S * L * H);
  for (const rule of config.rules) {
    const p = ruleToPattern(rule);
    const key = patternKey(p);
    let id = keys.get(key);
    if (id === undefined) {
      id = patterns.length;
      patterns.push(p);
      keys.set(key, id);
    }
    const [s0, s1] = clampRange(rule.steps, S);
    const [l0, l1] = clampRange(rule.layers, L);
    const head = rule.head ?? -1;
    const [h0, h1] = head < 0 ? [0, H] : head < H ? [head, head + 1] : [0, 0];
    for (let s = s0; s < s1; s++)
      for (let l = l0; l < l1; l++) {
        const base = (s * L + l) * H;
        for (let h = h0; h < h1; h++) index[base + h] = id;
      }
  }
  return { steps: S, layers: L, heads: H, patterns, index };
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
  const plan = resolveAll(config, steps, shape.layers, shape.heads);
  const counts = new Array<number>(plan.patterns.length).fill(0);
  for (let i = 0; i < plan.index.length; i++) counts[plan.index[i]] += 1;
  const calls = plan.index.length;
  let blocks = 0;
  let tokens = 0;
  const patterns = new Map<string, number>();
  plan.patterns.forEach((p, i) => {
    if (counts[i] === 0) return;
    const kept = keptFraction(grid, tile, p);
    blocks += kept.blocks * counts[i];
    tokens += kept.tokens * counts[i];
    patterns.set(patternKey(p), counts[i]);
  });
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
