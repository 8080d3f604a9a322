// Live estimate of the current config on the current draft: sparsity and expected attention
// speed-up, from the same tile geometry the engine uses.
import { useApp, useAppShallow } from '../../store/context';
import { formatPercent } from '../../ui/format';
import { DEFAULT_TILE, tilesPerAxis } from './geometry';
import { selectPlanContext, selectPlanEstimate } from './selectors';

export function SparsityReadout() {
  const est = useApp(selectPlanEstimate);
  const ctx = useApp(selectPlanContext);
  const tile = useApp((s) => s.attention.config.tile ?? DEFAULT_TILE);
  const tiles = ctx.grid.map((g, i) => tilesPerAxis(g, tile[i]));
  const partial = ctx.grid.some((g, i) => g % tile[i] !== 0);
  return (
    <div className="stack" data-testid="sparsity-readout">
      <div className="stats">
        <div className="stat"><div className="stat__label">Blocks skipped</div><div className="stat__value" data-testid="sparsity">{formatPercent(est.sparsity, 1)}</div></div>
        <div className="stat"><div className="stat__label">Work skipped</div><div className="stat__value">{formatPercent(est.tokenSparsity, 1)}</div></div>
        <div className="stat"><div className="stat__label">Attention speed-up</div><div className="stat__value" data-testid="speedup">≈{est.speedup.toFixed(2)}×</div></div>
      </div>
      <div className="small muted">
        Token grid {ctx.grid.join('×')} = {ctx.grid[0] * ctx.grid[1] * ctx.grid[2]} tokens in {tiles.join('×')} tiles of {tile.join('×')}
        {partial ? ' (partial tiles at the far edges)' : ''}; averaged over {ctx.steps} steps × {ctx.layers} layers × {ctx.heads} heads. The speed-up is the ideal ratio of kept work; kernels reach most of it on large grids.
      </div>
    </div>
  );
}
