import type { AppState } from '../../store/store';
import { selectActiveModel } from '../models/selectors';
import { tokenGrid, type Vec3 } from './geometry';
import { estimatePlan, type PlanEstimate } from './rules';

export interface PlanContext {
  grid: Vec3;
  layers: number;
  heads: number;
  steps: number;
}

let ctxMemo: { key: string; value: PlanContext } | null = null;

/** The token grid and model shape the current draft would run with (same object while unchanged). */
export function selectPlanContext(s: AppState): PlanContext {
  const m = selectActiveModel(s);
  const d = s.prompt.draft;
  const grid = tokenGrid(d, m?.info.vae.stride ?? [4, 8, 8], m?.info.dit.patch ?? [1, 2, 2]);
  const steps = d.sampler === 'fewstep' && d.timesteps?.length ? d.timesteps.length : d.steps;
  const value: PlanContext = { grid, layers: m?.info.dit.layers ?? 30, heads: m?.info.dit.heads ?? 12, steps };
  const key = JSON.stringify(value);
  if (ctxMemo?.key !== key) ctxMemo = { key, value };
  return ctxMemo.value;
}

// One-entry memo keyed by identity: the context is memoised above and the config object changes
// only when edited, so progress events (many per second) cost nothing here.
let memo: { ctx: PlanContext; config: AppState['attention']['config']; value: PlanEstimate } | null = null;

export function selectPlanEstimate(s: AppState): PlanEstimate {
  const ctx = selectPlanContext(s);
  const config = s.attention.config;
  if (memo?.ctx !== ctx || memo.config !== config) memo = { ctx, config, value: estimatePlan(config, ctx.grid, ctx, ctx.steps) };
  return memo.value;
}
