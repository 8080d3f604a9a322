// A/B: two attention configs, same prompt and seed, run side by side; shows each result with its
// sparsity and denoising time.
import type { AttnConfig } from '../../../../app/engine/types';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button, ErrorBanner, Select } from '../../ui/controls';
import { formatPercent, formatSeconds } from '../../ui/format';
import { JOB_STATE_TONE } from '../queue/JobRow';
import { estimatePlan } from './rules';
import { selectPlanContext } from './selectors';
import type { AbSide } from './slice';

function Side({ side, which }: { side: AbSide; which: 'a' | 'b' }) {
  const job = useApp((s) => (side.jobId ? s.queue.byId[side.jobId] ?? null : null));
  const progress = useApp((s) => (side.jobId ? s.preview.byJob[side.jobId] ?? null : null));
  const output = useApp((s) => (job?.outputId ? s.gallery.items.find((g) => g.id === job.outputId) ?? null : null));
  const ctx = useApp(selectPlanContext);
  const est = estimatePlan(side.config, ctx.grid, ctx, ctx.steps);
  return (
    <div className="stack" data-testid={`ab-${which}`}>
      <div className="row">
        <strong>{side.name}</strong>
        {job && <Badge tone={JOB_STATE_TONE[job.state]}>{job.state}{job.state === 'running' && progress ? ` ${progress.step}/${progress.total}` : ''}</Badge>}
      </div>
      <div className="player">
        {output?.url ? (
          <video src={output.url} autoPlay loop muted playsInline controls aria-label={`${side.name} result`} />
        ) : progress?.previewUrl ? (
          <video src={progress.previewUrl} autoPlay loop muted playsInline aria-label={`${side.name} preview`} />
        ) : (
          <div className="player__placeholder">{job ? 'Waiting…' : 'Not run yet'}</div>
        )}
      </div>
      <div className="small">
        {formatPercent(est.sparsity, 1)} blocks skipped · ≈{est.speedup.toFixed(2)}× attention
        {output && <> · denoise {formatSeconds(output.timings.denoiseSeconds)}</>}
      </div>
    </div>
  );
}

export function AbCompare() {
  const ab = useApp((s) => s.attention.ab);
  const current = useApp((s) => s.attention.config);
  const presets = useApp((s) => s.attention.presets);
  const a = useAppShallow((s) => ({ setSide: s.attention.setAbSide, run: s.attention.runAb, seed: s.prompt.draft.seed }));
  const choices: Array<{ value: string; label: string; config: AttnConfig }> = [
    { value: 'dense', label: 'Dense', config: { tile: current.tile, rules: [] } },
    { value: 'current', label: 'Current windows', config: current },
    ...presets.map((p) => ({ value: p.id, label: `Preset: ${p.name}`, config: p.config })),
  ];
  const pick = (which: 'a' | 'b', v: string) => {
    const c = choices.find((x) => x.value === v);
    if (c) a.setSide(which, c.config, `${which.toUpperCase()}: ${c.label}`);
  };
  return (
    <div className="stack">
      <div className="row">
        <Select aria-label="Setting A" style={{ width: 'auto', maxWidth: 240 }} value="" options={[{ value: '', label: `A: ${ab.a.name.replace(/^A: /, '')}` }, ...choices.map((c) => ({ value: c.value, label: c.label }))]} onValue={(v) => pick('a', v)} />
        <span className="muted">vs</span>
        <Select aria-label="Setting B" style={{ width: 'auto', maxWidth: 240 }} value="" options={[{ value: '', label: `B: ${ab.b.name.replace(/^B: /, '')}` }, ...choices.map((c) => ({ value: c.value, label: c.label }))]} onValue={(v) => pick('b', v)} />
        <Button variant="primary" onClick={() => void a.run()}>Run A/B (seed {a.seed})</Button>
      </div>
      <ErrorBanner error={ab.error} title="Could not queue the A/B runs" />
      <div className="ab">
        <Side side={ab.a} which="a" />
        <Side side={ab.b} which="b" />
      </div>
    </div>
  );
}
