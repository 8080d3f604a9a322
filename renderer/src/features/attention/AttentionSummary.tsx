// One line in the prompt editor: which attention the next run uses and what it is expected to save.
import { useApp } from '../../store/context';
import { Button } from '../../ui/controls';
import { formatPercent } from '../../ui/format';
import { selectPlanEstimate } from './selectors';

export function AttentionSummary() {
  const mode = useApp((s) => s.attention.mode);
  const rules = useApp((s) => s.attention.config.rules.length);
  const est = useApp(selectPlanEstimate);
  const go = useApp((s) => s.shell.go);
  return (
    <div className="row small" data-testid="attention-summary">
      <span className="muted"><b>Attention</b></span>
      {rules === 0 ? (
        <span>dense everywhere</span>
      ) : (
        <span>
          {mode} · {rules} rule{rules === 1 ? '' : 's'} · {formatPercent(est.sparsity)} of blocks skipped · ≈{est.speedup.toFixed(2)}× attention speed-up
        </span>
      )}
      <Button variant="ghost" onClick={() => go('attention')}>Tune windows</Button>
    </div>
  );
}
