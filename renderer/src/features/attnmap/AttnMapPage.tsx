// Attention-map visualizer: pick step, layer, head and a query (click a frame position or a tile);
// the engine captures that attention; shown as per-frame heatmaps over the whole video and as the
// tile-to-tile mass matrix with the current window overlaid.
import { useMemo } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button, EmptyState, ErrorBanner, Section, Select } from '../../ui/controls';
import { formatPercent } from '../../ui/format';
import { DEFAULT_TILE, type Vec3 } from '../attention/geometry';
import { patternLabel, resolvePattern } from '../attention/rules';
import { selectPlanContext } from '../attention/selectors';
import { HeatCanvas } from './HeatCanvas';
import {
  capturedMass, frameSlice, keptMatrix, massPerFrame, normalise, scaleRange, tileCoords, tileOfToken, tokenAt, tokenCoords,
} from './heatmap';

function Controls() {
  const r = useApp((s) => s.attnmap.request);
  const a = useAppShallow((s) => ({ setRequest: s.attnmap.setRequest, run: s.attnmap.run, setScale: s.attnmap.setScale, scale: s.attnmap.scale, running: s.attnmap.state.status === 'running' }));
  const ctx = useApp(selectPlanContext);
  const hasModel = useApp((s) => !!s.models.activeId);
  const num = (label: string, key: 'step' | 'layer' | 'head', max: number) => (
    <div className="field">
      <label htmlFor={`map-${key}`}>{label} (0–{max})</label>
      <input id={`map-${key}`} type="number" min={0} max={max} value={r[key]} onChange={(e) => {
        const v = e.currentTarget.valueAsNumber;
        if (Number.isFinite(v)) a.setRequest({ [key]: Math.max(0, Math.min(max, Math.round(v))) });
      }} />
    </div>
  );
  return (
    <div className="stack">
      <div className="grid-3">
        {num('Step', 'step', ctx.steps - 1)}
        {num('Layer', 'layer', ctx.layers - 1)}
        {num('Head', 'head', ctx.heads - 1)}
      </div>
      <div className="row">
        <span className="small">Query: <b>{r.query.kind === 'token' ? `token ${r.query.index}` : `tile ${r.query.index}`}</b> (click a frame or a matrix row to change)</span>
      </div>
      <div className="row">
        <label className="check"><input type="checkbox" checked={r.cond} onChange={(e) => a.setRequest({ cond: e.currentTarget.checked })} /> Conditional pass</label>
        <Select aria-label="Colour scale" style={{ width: 'auto' }} value={a.scale} onValue={a.setScale} options={[{ value: 'log', label: 'Log scale' }, { value: 'linear', label: 'Linear scale' }]} />
        <Button variant="primary" disabled={a.running || !hasModel} onClick={() => void a.run()}>{a.running ? 'Capturing…' : 'Capture attention'}</Button>
      </div>
      <div className="muted small">Runs the Create prompt and settings up to the step and captures the dense attention of that layer and head.</div>
    </div>
  );
}

/** Above this many tiles the matrix (n² cells) is not drawn: it would stall the page for nothing legible. */
export const MAX_MATRIX_TILES = 2048;

function useMapView() {
  const last = useApp((s) => s.attnmap.last);
  const state = useApp((s) => s.attnmap.state);
  const scale = useApp((s) => s.attnmap.scale);
  const pick = useApp((s) => s.attnmap.pick);
  const config = useApp((s) => s.attention.config);
  const tile = (config.tile ?? DEFAULT_TILE) as Vec3;

  const view = useMemo(() => {
    if (!last) return null;
    const { result, request } = last;
    const grid = result.grid;
    const probs = result.probs;
    const range = scaleRange(probs, scale);
    const frames = Array.from({ length: grid[0] }, (_, t) => normalise(frameSlice(probs, grid, t), range, scale));
    const tiles = result.tiles;
    const n = result.numTiles;
    const drawable = n <= MAX_MATRIX_TILES && result.tileMass.length === n * n;
    const mass = drawable ? normalise(result.tileMass, scaleRange(result.tileMass, scale), scale) : new Float32Array(0);
    const current = resolvePattern(config, request.step, request.layer, request.head);
    // The current window on the tile grid the map was captured with.
    const sameTile = last.tile.join() === tile.join();
    const computed = drawable ? keptMatrix(grid, last.tile, current) : new Uint8Array(0);
    // Should the engine's tile grid ever differ from ours, show its own kept map rather than a wrong one.
    const overlay = computed.length === n * n ? computed : Uint8Array.from(result.kept);
    const queryToken = request.query.kind === 'token' ? request.query.index : null;
    const queryTile = request.query.kind === 'tile' ? request.query.index : tileOfToken(grid, last.tile, request.query.index);
    const decades = range.lo > 0 && range.hi > 0 ? Math.log10(range.hi / range.lo) : 0;
    return {
      decades,
      grid, frames, tiles, n, mass, overlay, queryToken, queryTile, current, request,
      perFrame: massPerFrame(probs, grid),
      kept: drawable ? capturedMass(result.tileMass, overlay, n) : NaN,
      keptAtCapture: drawable ? capturedMass(result.tileMass, result.kept, n) : NaN,
      drawable,
      sameTile,
    };
  }, [last, scale, config, tile]);

  return { view, state, scale, pick };
}

function Frames() {
  const { view, state, scale, pick } = useMapView();
  if (!view) {
    return (
      <Section title="Per-frame attention">
        {state.status === 'error' ? (
          <ErrorBanner error={state.error} title="Could not capture attention" />
        ) : (
          <EmptyState title="No attention map yet">Press “Capture attention”. The first capture uses tile 0 as the query; then click any frame position or any matrix row.</EmptyState>
        )}
      </Section>
    );
  }
  const qc = view.queryToken !== null ? tokenCoords(view.grid, view.queryToken) : null;
  return (
    <div className="stack" data-testid="attnmap-result">
      {state.status === 'error' && <ErrorBanner error={state.error} title="Could not capture attention" />}
      {state.status === 'running' && <div className="banner banner--info small" role="status">Capturing…</div>}
      <Section title={`Per-frame attention of ${view.queryToken !== null ? `token ${view.queryToken} (frame ${qc![0]}, row ${qc![1]}, col ${qc![2]})` : `tile ${view.queryTile}`}`}>
        <div className="heat-frames">
          {view.frames.map((values, t) => (
            <div className="heat-frame" key={t}>
              <HeatCanvas
                values={values}
                width={view.grid[2]}
                height={view.grid[1]}
                label={`Attention in latent frame ${t}`}
                marker={qc && qc[0] === t ? { x: qc[2], y: qc[1] } : null}
                onPick={(fx, fy) => void pick({ kind: 'token', index: tokenAt(view.grid, t, fx, fy) })}
              />
              <span>frame {t} · {formatPercent(view.perFrame[t], 1)} of mass</span>
            </div>
          ))}
        </div>
        <div className="legend" aria-hidden="true" />
        <div className="row small muted"><span>low</span><div className="grow" /><span>{scale === 'log' ? `log scale, ${view.decades.toFixed(1)} decade${view.decades.toFixed(1) === '1.0' ? '' : 's'}` : 'linear from 0'}</span><div className="grow" /><span>high</span></div>
      </Section>
    </div>
  );
}

function Mass() {
  const { view, pick } = useMapView();
  if (!view) return null;
  if (!view.drawable) {
    return (
      <Section title="Tile-to-tile attention mass">
        <div className="muted small">{view.n} tiles: too many to draw as a {view.n}×{view.n} matrix. Capture with a larger tile size to see it.</div>
      </Section>
    );
  }
  return (
      <Section title="Tile-to-tile attention mass">
        <div className="row small">
          <span>{view.n} tiles ({view.tiles.join('×')}); row = query tile, column = key tile.</span>
          <Badge tone="info">current window: {patternLabel(view.current)}</Badge>
          <span data-testid="captured-mass">window keeps <b>{formatPercent(view.kept, 1)}</b> of the mass</span>
          {!view.sameTile && <span className="muted">(captured with another tile size; recapture to compare)</span>}
        </div>
        <div className="mass">
          <HeatCanvas
            values={view.mass}
            width={view.n}
            height={view.n}
            label="Tile-to-tile attention mass with the current window outlined"
            overlay={view.overlay}
            marker={{ x: view.queryTile, y: view.queryTile }}
            style={{ maxWidth: 480 }}
            onPick={(_fx, fy) => void pick({ kind: 'tile', index: Math.min(view.n - 1, Math.floor(fy * view.n)) })}
          />
          <div className="small muted">
            Outlined: blocks the current window keeps. The pattern configured at capture time kept {formatPercent(view.keptAtCapture, 1)} of the mass.
            Query tile {view.queryTile} is at tile ({tileCoords(view.tiles, view.queryTile).join(', ')}).
          </div>
        </div>
      </Section>
  );
}

export function AttnMapPage() {
  return (
    <div className="page page--wide">
      <div className="stack">
        <Section title="Attention map">
          <Controls />
        </Section>
        <Mass />
      </div>
      <Frames />
    </div>
  );
}
