// Settings: appearance, engine (backend, device, threads), folders, defaults, previews,
// notifications and logs; each change is validated and saved by the app. Also the shortcuts and
// the recent log.
import { useEffect, useState } from 'react';
import type { LogEntry } from '../../../../app/contract/entities';
import type { Settings, SettingsPatch } from '../../../../app/contract/settings';
import { useApp, useAppShallow, useAppStore } from '../../store/context';
import { Badge, Button, ErrorBanner, Field, NumberInput, Section, Select } from '../../ui/controls';
import { ExportFields } from '../prompt/ExportControls';
import { SHORTCUT_HELP } from '../shell/shortcuts';
import { toUiError } from '../../api/client';

function TextSetting({ label, value, onSave, hint }: { label: string; value: string | null; onSave: (v: string | null) => void; hint?: string }) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  return (
    <Field label={label} hint={hint}>
      {(id, d) => (
        <div className="row" style={{ flexWrap: 'nowrap' }}>
          <input id={id} aria-describedby={d} className="grow mono" value={text} placeholder="default" onChange={(e) => setText(e.currentTarget.value)} />
          <Button disabled={text === (value ?? '')} onClick={() => onSave(text.trim() ? text.trim() : null)}>Save</Button>
        </div>
      )}
    </Field>
  );
}

function Form({ v }: { v: Settings }) {
  const update = useApp((s) => s.settings.update);
  const save = (p: SettingsPatch) => void update(p);
  return (
    <>
      <Section title="Appearance">
        <Field label="Theme">
          {(id) => <Select id={id} value={v.theme} onValue={(theme) => save({ theme })} options={[{ value: 'system', label: 'Follow the system' }, { value: 'light', label: 'Light' }, { value: 'dark', label: 'Dark' }]} />}
        </Field>
      </Section>
      <Section title="Engine">
        <div className="grid-2">
          <Field label="Backend" hint="auto: CUDA when a GPU is usable, else the CPU">
            {(id, d) => <Select id={id} aria-describedby={d} value={v.backend} onValue={(backend) => save({ backend })} options={[{ value: 'auto', label: 'Auto' }, { value: 'cuda', label: 'CUDA (GPU)' }, { value: 'cpu', label: 'CPU' }]} />}
          </Field>
          <Field label="CUDA kernels">
            {(id) => <Select id={id} value={v.cudaPath} onValue={(cudaPath) => save({ cudaPath })} options={[{ value: 'auto', label: 'Auto' }, { value: 'portable', label: 'Portable (sm_80+)' }, { value: 'hopper', label: 'Hopper fast path' }]} />}
          </Field>
          <Field label="GPU index">{(id) => <NumberInput id={id} min={0} max={64} value={v.deviceIndex} onValue={(deviceIndex) => save({ deviceIndex: Math.round(deviceIndex) })} />}</Field>
          <Field label="CPU threads" hint="0 = all cores">{(id, d) => <NumberInput id={id} aria-describedby={d} min={0} max={1024} value={v.threads} onValue={(threads) => save({ threads: Math.round(threads) })} />}</Field>
        </div>
        <label className="check"><input type="checkbox" checked={v.keepTextEncoder} onChange={(e) => save({ keepTextEncoder: e.currentTarget.checked })} /> Keep the text encoder in memory between jobs (faster, uses more memory)</label>
        <div className="muted small">Engine changes apply when the engine restarts.</div>
      </Section>
      <Section title="Folders">
        <TextSetting label="Output folder" value={v.outputDir} onSave={(outputDir) => save({ outputDir })} hint="empty: the app's data folder/outputs" />
        <TextSetting label="Models folder" value={v.modelsDir} onSave={(modelsDir) => save({ modelsDir })} hint="where downloads go" />
      </Section>
      <Section title="Defaults and previews">
        <ExportFields value={v.defaultExport} onChange={(e) => save({ defaultExport: { ...v.defaultExport, ...e } })} idPrefix="default-export" />
        <div className="row">
          <label className="check"><input type="checkbox" checked={v.preview.enabled} onChange={(e) => save({ preview: { ...v.preview, enabled: e.currentTarget.checked } })} /> Live preview while sampling</label>
          <label className="row small" htmlFor="preview-side">Preview size (longest side, px)
            <NumberInput id="preview-side" style={{ width: 90 }} min={32} max={512} value={v.preview.maxSide} onValue={(maxSide) => save({ preview: { ...v.preview, maxSide: Math.round(maxSide) } })} />
          </label>
        </div>
        <label className="check"><input type="checkbox" checked={v.notifications} onChange={(e) => save({ notifications: e.currentTarget.checked })} /> Notify when a job or a batch finishes</label>
        <Field label="Log level">
          {(id) => <Select id={id} value={v.logLevel} onValue={(logLevel) => save({ logLevel })} options={['debug', 'info', 'warn', 'error'].map((x) => ({ value: x as Settings['logLevel'], label: x }))} />}
        </Field>
      </Section>
    </>
  );
}

function Logs() {
  const store = useAppStore();
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [error, setError] = useState<{ code: string | null; message: string } | null>(null);
  const load = () => store.getState().settings.tailLogs(100).then(setEntries, (e) => setError(toUiError(e)));
  return (
    <Section title="Log" actions={<Button onClick={() => void load()}>{entries ? 'Refresh' : 'Show recent log'}</Button>}>
      <ErrorBanner error={error} />
      {entries && (
        <pre className="mono small" style={{ maxHeight: 280, overflow: 'auto', margin: 0, whiteSpace: 'pre-wrap' }}>
          {entries.map((e) => `${new Date(e.time).toLocaleTimeString()} ${e.level.toUpperCase().padEnd(5)} [${e.source}] ${e.message}`).join('\n') || 'empty'}
        </pre>
      )}
    </Section>
  );
}

export function SettingsPage() {
  const s = useAppShallow((st) => ({ values: st.settings.values, error: st.settings.error, saving: st.settings.saving, savedAt: st.settings.savedAt }));
  const app = useApp((st) => st.engine.app);
  return (
    <div className="page page--two">
      <div className="stack">
        <div className="visually-hidden" role="status">{s.saving ? 'saving' : s.savedAt ? 'saved' : ''}</div>
        {(s.saving || s.savedAt) && <div className="row">{s.saving ? <Badge tone="info">saving…</Badge> : <Badge tone="ok">saved</Badge>}</div>}
        <ErrorBanner error={s.error} title="Setting not saved" />
        {s.values ? <Form v={s.values} /> : <div className="muted">Loading…</div>}
      </div>
      <div className="stack">
        <Section title="Keyboard">
          <table className="data">
            <tbody>{SHORTCUT_HELP.map(([k, what]) => <tr key={k}><th className="mono">{k}</th><td>{what}</td></tr>)}</tbody>
          </table>
        </Section>
        {app && (
          <Section title="About">
            <dl className="kv">
              <dt>Version</dt><dd>{app.version}</dd>
              <dt>Mode</dt><dd>{app.mode === 'electron' ? 'desktop app' : 'headless server'}</dd>
              <dt>Platform</dt><dd>{app.platform}</dd>
              <dt>Data folder</dt><dd className="mono">{app.dataDir}</dd>
            </dl>
          </Section>
        )}
        <Logs />
      </div>
    </div>
  );
}
