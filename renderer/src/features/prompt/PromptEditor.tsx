// Prompt editor: prompt and negative prompt, model, size, sampler, seed, export, presets, history,
// the memory estimate, and Generate (Ctrl+Enter).
import { useApp, useAppShallow } from '../../store/context';
import { Button, ErrorBanner, Section } from '../../ui/controls';
import { selectActiveModel, selectModels } from '../models/selectors';
import { selectBlocker } from './selectors';
import { SizeControls } from './SizeControls';
import { SamplerControls } from './SamplerControls';
import { SeedControl } from './SeedControl';
import { ExportControls } from './ExportControls';
import { MemoryEstimateView } from './MemoryEstimateView';
import { HistoryAndPresets } from './HistoryAndPresets';
import { AttentionSummary } from '../attention/AttentionSummary';
import { formatBytes } from '../../ui/format';

function ModelPicker() {
  const models = useApp(selectModels);
  const active = useApp(selectActiveModel);
  const { setActive, loadDefaults, go } = useAppShallow((s) => ({ setActive: s.models.setActive, loadDefaults: s.prompt.loadDefaults, go: s.shell.go }));
  if (models.length === 0) {
    return (
      <div className="banner banner--info">
        <div>No model installed. <Button onClick={() => go('models')}>Open the model manager</Button></div>
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor="model-picker">Model</label>
      <select
        id="model-picker"
        value={active?.id ?? ''}
        onChange={(e) => {
          setActive(e.currentTarget.value);
          void loadDefaults(e.currentTarget.value);
        }}
      >
        {models.map((m) => (
          <option key={m.id} value={m.id}>{m.name}</option>
        ))}
      </select>
      {active && (
        <div className="field__hint">
          {active.info.dit.layers} layers × {active.info.dit.heads} heads · {formatBytes(active.sizeBytes)} on disk · needs about {formatBytes(active.vramBytes)} at its defaults
        </div>
      )}
    </div>
  );
}

export function PromptEditor() {
  const { prompt, negative } = useAppShallow((s) => ({ prompt: s.prompt.draft.prompt, negative: s.prompt.draft.negativePrompt ?? '' }));
  const { set, submit, submitting, submitError } = useAppShallow((s) => ({
    set: s.prompt.set, submit: s.prompt.submit, submitting: s.prompt.submitting, submitError: s.prompt.submitError,
  }));
  const blocker = useApp(selectBlocker);
  const error = useApp((s) => s.prompt.error);
  return (
    <Section title="Prompt" className="prompt-editor">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!blocker) void submit();
        }}
      >
        <ModelPicker />
        <div className="field">
          <label htmlFor="prompt">Prompt</label>
          <textarea id="prompt" className="prompt" value={prompt} placeholder="a red ball bouncing on a blue background" onChange={(e) => set('prompt', e.currentTarget.value)} />
        </div>
        <div className="field">
          <label htmlFor="negative">Negative prompt</label>
          <textarea id="negative" rows={2} value={negative} placeholder="what to avoid (empty: the model's default)" onChange={(e) => set('negativePrompt', e.currentTarget.value)} />
        </div>
        <HistoryAndPresets />
        <SizeControls />
        <SamplerControls />
        <SeedControl />
        <ExportControls />
        <AttentionSummary />
        <MemoryEstimateView />
        <ErrorBanner error={submitError} title="Could not queue the job" />
        <ErrorBanner error={error} />
        <div className="row">
          <Button type="submit" variant="primary" className="btn--big" disabled={!!blocker || submitting} aria-keyshortcuts="Control+Enter" data-testid="generate">
            {submitting ? 'Queuing…' : 'Generate'} <kbd>Ctrl+Enter</kbd>
          </Button>
          {blocker && <span className="muted small" role="status">{blocker}</span>}
        </div>
      </form>
    </Section>
  );
}
