// Per-job export settings: format, quality, frame rate.
import type { ExportFormat } from '../../../../app/contract/params';
import { useAppShallow } from '../../store/context';
import { Field, NumberInput, Select } from '../../ui/controls';

export const FORMATS: Array<{ value: ExportFormat; label: string }> = [
  { value: 'mp4', label: 'MP4 (H.264)' },
  { value: 'webm', label: 'WebM (VP9)' },
  { value: 'gif', label: 'GIF' },
  { value: 'png', label: 'PNG frames' },
];

export function ExportFields({ value, onChange, idPrefix }: { value: { format: ExportFormat; crf?: number; fps?: number }; onChange: (v: { format?: ExportFormat; crf?: number; fps?: number }) => void; idPrefix: string }) {
  const lossy = value.format === 'mp4' || value.format === 'webm';
  return (
    <div className="grid-3">
      <Field label="Export format" id={`${idPrefix}-format`}>
        {(id) => <Select id={id} value={value.format} options={FORMATS} onValue={(format) => onChange({ format })} />}
      </Field>
      <Field label="Quality (CRF)" id={`${idPrefix}-crf`} hint={lossy ? 'lower = better; empty = default' : 'n/a for this format'}>
        {(id, d) => (
          <NumberInput id={id} aria-describedby={d} disabled={!lossy} min={0} max={63} value={value.crf ?? NaN} placeholder="default" onValue={(crf) => onChange({ crf: Math.round(crf) })} />
        )}
      </Field>
      <Field label="FPS" id={`${idPrefix}-fps`} hint="empty = model rate">
        {(id, d) => <NumberInput id={id} aria-describedby={d} min={1} max={120} value={value.fps ?? NaN} placeholder="16" onValue={(fps) => onChange({ fps: Math.round(fps) })} />}
      </Field>
    </div>
  );
}

export function ExportControls() {
  const { value, setExport } = useAppShallow((s) => ({ value: s.prompt.exportSettings, setExport: s.prompt.setExport }));
  return <ExportFields value={value} onChange={setExport} idPrefix="export" />;
}
