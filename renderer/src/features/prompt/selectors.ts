import type { AppState } from '../../store/store';
import { limitsFor, validateSize, type SizeProblem } from './sizes';
import { selectActiveModel } from '../models/selectors';

export const selectDraft = (s: AppState) => s.prompt.draft;

export function selectSizeProblems(s: AppState): SizeProblem[] {
  const m = selectActiveModel(s);
  return validateSize(s.prompt.draft, limitsFor(m?.info));
}

/** One message (or null) per size field: primitives only, so useAppShallow can compare it. */
export function selectSizeErrors(s: AppState): { width: string | null; height: string | null; frames: string | null } {
  const problems = selectSizeProblems(s);
  const of = (f: SizeProblem['field']) => problems.find((p) => p.field === f)?.message ?? null;
  return { width: of('width'), height: of('height'), frames: of('frames') };
}

/** Why the Generate button is disabled, or null when it can run. */
export function selectBlocker(s: AppState): string | null {
  if (!s.models.loaded) return 'Loading models…';
  if (!s.models.activeId) return 'Import or download a model first (Models).';
  if (s.prompt.draft.prompt.trim().length === 0) return 'Write a prompt.';
  const problems = selectSizeProblems(s);
  if (problems.length > 0) return problems[0].message;
  if (s.prompt.draft.sampler === 'fewstep' && !(s.prompt.draft.timesteps && s.prompt.draft.timesteps.length > 0))
    return 'The few-step sampler needs a timestep list.';
  return null;
}
