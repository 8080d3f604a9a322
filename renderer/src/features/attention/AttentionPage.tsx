// Attention-window tuning surface.
import { useApp } from '../../store/context';
import { ErrorBanner, Section } from '../../ui/controls';
import { AbCompare } from './AbCompare';
import { CalibratePanel } from './CalibratePanel';
import { LayerHeadGrid } from './LayerHeadGrid';
import { RuleEditor } from './RuleEditor';
import { SparsityReadout } from './SparsityReadout';
import { WindowPresets } from './WindowPresets';

export function AttentionPage() {
  const error = useApp((s) => s.attention.error);
  return (
    <div className="page page--wide">
      <div className="stack">
        <Section title="Estimate">
          <SparsityReadout />
        </Section>
        <Section title="Presets and tile">
          <WindowPresets />
          <ErrorBanner error={error} />
        </Section>
        <Section title="Calibrate">
          <CalibratePanel />
        </Section>
      </div>
      <div className="stack">
        <Section title="Windows per layer and head">
          <LayerHeadGrid />
        </Section>
        <Section title="Rules">
          <RuleEditor />
        </Section>
        <Section title="A/B comparison">
          <AbCompare />
        </Section>
      </div>
    </div>
  );
}
