// Batch form: prompt list × seeds (list or sweep) × parameter grid, on top of the Create draft,
// with per-batch export settings. Shows the job count and the first jobs before queuing.
import { useMemo, useState } from 'react';
import type { ExportSettings } from '../../../../app/contract/params';
import type { SamplerKind } from '../../../../app/engine/types';
import { useApp, useAppStore } from '../../store/context';
import { Button, ErrorBanner, Field, Section } from '../../ui/controls';
import { buildParams } from '../prompt/params';
import { ExportFields } from '../prompt/ExportControls';
import { batchSize, expandBatch, MAX_BATCH_JOBS, parseNumberList, parsePromptList, type BatchSpec, type Parsed } from './expand';

type SeedMode = 'draft' | 'list' | 'sweep';

function parseSizes(text: string): Parsed<[number, number]> {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  const values: Array<[number, number]> = [];
  for (const p of parts) {
    const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(p);
    if (!m) return { ok: false, error: `"${p}" is not WIDTHxHEIGHT` };
    const w = Number(m[1]);
    const h = Number(m[2]);
    if (w % 16 || h % 16 || w < 16 || h < 16) return { ok: false, error: `${p}: sides must be multiples of 16` };
    values.push([w, h]);
  }
  return { ok: true, values };
}

const optional = <T,>(text: string, parse: (t: string) => Parsed<T>): Parsed<T> => (text.trim() ? parse(text) : { ok: true, values: [] });

export function BatchForm() {
  const store = useAppStore();
  const draftPrompt = useApp((s) => s.prompt.draft.prompt);
  const draftSeed = useApp((s) => s.prompt.draft.seed);
  const defaultExport = useApp((s) => s.prompt.exportSettings);
  const batchError = useApp((s) => s.queue.batchError);
  const hasModel = useApp((s) => !!s.models.activeId);
  const [prompts, setPrompts] = useState('');
  const [seedMode, setSeedMode] = useState<SeedMode>('draft');
  const [seedList, setSeedList] = useState('1, 2, 3');
  const [sweepFrom, setSweepFrom] = useState(0);
  const [sweepCount, setSweepCount] = useState(4);
  const [steps, setSteps] = useState('');
  const [guidance, setGuidance] = useState('');
  const [shift, setShift] = useState('');
  const [sizes, setSizes] = useState('');
  const [frames, setFrames] = useState('');
  const [samplers, setSamplers] = useState<SamplerKind[]>([]);
  const [exp, setExp] = useState<ExportSettings | null>(null);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState<number | null>(null);

  const parsed = {
    seeds: seedMode === 'list' ? parseNumberList(seedList, { integer: true, min: 0 }) : ({ ok: true, values: [] } as Parsed<number>),
    steps: optional(steps, (t) => parseNumberList(t, { integer: true, min: 1, max: 1000 })),
    guidance: optional(guidance, (t) => parseNumberList(t, { min: 0, max: 100 })),
    shift: optional(shift, (t) => parseNumberList(t, { min: 0, max: 100 })),
    sizes: optional(sizes, parseSizes),
    frames: optional(frames, (t) => parseNumberList(t, { integer: true, min: 1 })),
  };
  const framesBad = parsed.frames.ok && parsed.frames.values.some((f) => (f - 1) % 4 !== 0);
  const errorOf = (p: Parsed<unknown>) => (p.ok ? null : p.error);
  const valid = Object.values(parsed).every((p) => p.ok) && !framesBad;
  const exportSettings = exp ?? defaultExport;
  const promptList = parsePromptList(prompts);

  const spec = useMemo((): BatchSpec | null => {
    if (!valid) return null;
    const v = <T,>(p: Parsed<T>) => (p.ok && p.values.length > 0 ? p.values : undefined);
    const grid: NonNullable<BatchSpec['grid']> = {};
    if (v(parsed.steps)) grid.steps = v(parsed.steps);
    if (v(parsed.guidance)) grid.guidance = v(parsed.guidance);
    if (v(parsed.shift)) grid.shift = v(parsed.shift);
    if (v(parsed.sizes)) grid.size = v(parsed.sizes);
    if (v(parsed.frames)) grid.frames = v(parsed.frames);
    if (samplers.length > 0) grid.sampler = samplers;
    return {
      base: buildParams(store.getState()),
      prompts: promptList.length > 0 ? promptList : undefined,
      seeds: seedMode === 'list' ? v(parsed.seeds) : seedMode === 'sweep' ? { from: sweepFrom, count: sweepCount } : undefined,
      grid: Object.keys(grid).length > 0 ? grid : undefined,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [valid, prompts, seedMode, seedList, sweepFrom, sweepCount, steps, guidance, shift, sizes, frames, samplers, draftPrompt, draftSeed]);

  const count = spec ? batchSize(spec) : 0;
  const sample = spec && count <= MAX_BATCH_JOBS ? expandBatch(spec).slice(0, 4) : [];
  const noPrompt = promptList.length === 0 && !draftPrompt.trim();

  const submit = async () => {
    if (!spec) return;
    setBusy(true);
    const n = await store.getState().queue.submitBatch({
      modelId: store.getState().models.activeId ?? undefined,
      base: spec.base,
      export: exportSettings,
      ...(label.trim() ? { label: label.trim() } : {}),
      ...(spec.prompts ? { prompts: spec.prompts } : {}),
      ...(spec.seeds ? { seeds: spec.seeds } : {}),
      ...(spec.grid ? { grid: spec.grid } : {}),
    });
    setBusy(false);
    setQueued(n);
  };

  return (
    <Section title="Batch">
      <div className="muted small">Starts from the settings on Create; every combination below becomes one job.</div>
      <Field label="Prompts (one per line; empty: the Create prompt)">
        {(id) => <textarea id={id} rows={4} value={prompts} onChange={(e) => setPrompts(e.currentTarget.value)} placeholder={draftPrompt || 'a red ball bouncing\na blue cube spinning'} />}
      </Field>
      <div className="field">
        <span className="small muted" id="seed-mode"><b>Seeds</b></span>
        <div className="seg" role="group" aria-labelledby="seed-mode">
          {(['draft', 'list', 'sweep'] as SeedMode[]).map((m) => (
            <button key={m} type="button" aria-pressed={seedMode === m} onClick={() => setSeedMode(m)}>
              {m === 'draft' ? `Create seed (${draftSeed})` : m === 'list' ? 'List' : 'Sweep'}
            </button>
          ))}
        </div>
        {seedMode === 'list' && (
          <Field label="Seed list" error={errorOf(parsed.seeds)} hint="e.g. 1, 5, 10..20">
            {(id, d) => <input id={id} aria-describedby={d} value={seedList} onChange={(e) => setSeedList(e.currentTarget.value)} />}
          </Field>
        )}
        {seedMode === 'sweep' && (
          <div className="grid-2">
            <Field label="From seed">{(id) => <input id={id} type="number" min={0} value={sweepFrom} onChange={(e) => setSweepFrom(Math.max(0, Math.round(e.currentTarget.valueAsNumber || 0)))} />}</Field>
            <Field label="Count">{(id) => <input id={id} type="number" min={1} max={1000} value={sweepCount} onChange={(e) => setSweepCount(Math.max(1, Math.min(1000, Math.round(e.currentTarget.valueAsNumber || 1))))} />}</Field>
          </div>
        )}
      </div>
      <h3>Parameter grid</h3>
      <div className="grid-3">
        <Field label="Steps" error={errorOf(parsed.steps)} hint="e.g. 4, 8, 16">{(id, d) => <input id={id} aria-describedby={d} value={steps} onChange={(e) => setSteps(e.currentTarget.value)} />}</Field>
        <Field label="Guidance" error={errorOf(parsed.guidance)} hint="e.g. 1..7:2">{(id, d) => <input id={id} aria-describedby={d} value={guidance} onChange={(e) => setGuidance(e.currentTarget.value)} />}</Field>
        <Field label="Shift" error={errorOf(parsed.shift)}>{(id, d) => <input id={id} aria-describedby={d} value={shift} onChange={(e) => setShift(e.currentTarget.value)} />}</Field>
        <Field label="Sizes" error={errorOf(parsed.sizes)} hint="e.g. 128x128, 160x96">{(id, d) => <input id={id} aria-describedby={d} value={sizes} onChange={(e) => setSizes(e.currentTarget.value)} />}</Field>
        <Field label="Frames" error={errorOf(parsed.frames) ?? (framesBad ? 'frames must be 4n+1' : null)} hint="e.g. 9, 17">{(id, d) => <input id={id} aria-describedby={d} value={frames} onChange={(e) => setFrames(e.currentTarget.value)} />}</Field>
        <div className="field">
          <span className="small muted"><b>Samplers</b></span>
          <div className="row">
            {(['unipc', 'euler', 'fewstep'] as SamplerKind[]).map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={samplers.includes(k)} onChange={(e) => setSamplers(e.currentTarget.checked ? [...samplers, k] : samplers.filter((x) => x !== k))} />
                {k}
              </label>
            ))}
          </div>
        </div>
      </div>
      <h3>Export</h3>
      <ExportFields value={exportSettings} onChange={(v) => setExp({ ...exportSettings, ...v })} idPrefix="batch-export" />
      <Field label="Batch label (optional)">{(id) => <input id={id} value={label} onChange={(e) => setLabel(e.currentTarget.value)} />}</Field>
      <div className="small" role="status" data-testid="batch-count">
        {valid ? (count > MAX_BATCH_JOBS ? <span style={{ color: 'var(--bad)' }}>{count} jobs: over the limit of {MAX_BATCH_JOBS}.</span> : `${count} job${count === 1 ? '' : 's'}`) : 'Fix the fields above.'}
      </div>
      {sample.length > 0 && (
        <ul className="small muted" style={{ margin: 0, paddingLeft: 18 }}>
          {sample.map((j, i) => (
            <li key={i}>“{j.prompt.slice(0, 40)}” · seed {j.seed} · {j.width}×{j.height}×{j.frames} · {j.sampler} {j.steps} steps · cfg {j.guidance} · shift {j.shift}</li>
          ))}
          {count > sample.length && <li>…</li>}
        </ul>
      )}
      <ErrorBanner error={batchError} title="Could not queue the batch" />
      {queued !== null && queued > 0 && <div className="small" role="status" style={{ color: 'var(--ok)' }}>Queued {queued} jobs.</div>}
      <div className="row">
        <Button variant="primary" disabled={!spec || count > MAX_BATCH_JOBS || busy || noPrompt || !hasModel} onClick={() => void submit()}>
          {busy ? 'Queuing…' : `Queue ${count} job${count === 1 ? '' : 's'}`}
        </Button>
        {noPrompt && <span className="muted small">Write prompts here or on Create.</span>}
      </div>
    </Section>
  );
}
