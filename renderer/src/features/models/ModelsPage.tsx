// Model manager: installed models with size, memory need and capabilities; import a local folder
// (official or Diffusers layout, validated by the engine); downloads with progress and resume.
import { useState } from 'react';
import type { Download, ModelRecord } from '../../../../app/contract/entities';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button, EmptyState, ErrorBanner, Field, Meter, Section } from '../../ui/controls';
import { formatBytes, formatTime } from '../../ui/format';
import { FolderBrowser } from './FolderBrowser';
import { parseDownloadList } from './downloads';

function ModelCard({ m, active, isDefault }: { m: ModelRecord; active: boolean; isDefault: boolean }) {
  const a = useAppShallow((s) => ({ setActive: s.models.setActive, remove: s.models.remove, loadDefaults: s.prompt.loadDefaults, update: s.settings.update }));
  const [confirm, setConfirm] = useState(false);
  const d = m.info.dit;
  return (
    <li className="panel" style={{ boxShadow: 'none' }} data-model-id={m.id}>
      <div className="panel__body">
        <div className="row">
          <strong className="grow">{m.name}</strong>
          {active && <Badge tone="ok">in use</Badge>}
          {isDefault && <Badge tone="info">default</Badge>}
          <Badge tone="muted">{m.source}</Badge>
        </div>
        <dl className="kv">
          <dt>Folder</dt><dd className="mono">{m.dir} ({m.info.layout} layout)</dd>
          <dt>Size on disk</dt><dd>{formatBytes(m.sizeBytes)}</dd>
          <dt>Memory need</dt><dd>about {formatBytes(m.vramBytes)} at {m.info.defaults.width}×{m.info.defaults.height}, {m.info.defaults.frames} frames</dd>
          <dt>Transformer</dt><dd>{d.layers} layers, {d.heads} heads × {d.headDim}, dim {d.dim}, {(d.params / 1e6).toFixed(1)} M params, {m.info.weightDtype}</dd>
          <dt>Supports</dt><dd>samplers {m.supports.samplers.join(', ')}; attention {m.supports.attention.join(', ')}</dd>
          <dt>Added</dt><dd>{formatTime(m.addedAt)}</dd>
        </dl>
        <div className="row">
          <Button variant="primary" disabled={active} onClick={() => { a.setActive(m.id); void a.loadDefaults(m.id); }}>Use</Button>
          <Button disabled={isDefault} onClick={() => void a.update({ defaultModelId: m.id })}>Make default</Button>
          {m.source !== 'builtin' && <Button variant="danger" onClick={() => setConfirm(true)}>Remove</Button>}
        </div>
        {confirm && (
          <div className="banner banner--warn" role="alertdialog" aria-label={`Remove ${m.name}`}>
            <div className="row">
              <span>Remove {m.name} from the list?</span>
              <Button variant="danger" onClick={() => void a.remove(m.id, false)}>Remove (keep files)</Button>
              {m.source === 'downloaded' && <Button variant="danger" onClick={() => void a.remove(m.id, true)}>Remove and delete files</Button>}
              <Button onClick={() => setConfirm(false)}>Keep</Button>
            </div>
          </div>
        )}
      </div>
    </li>
  );
}

function ImportForm() {
  const a = useAppShallow((s) => ({ importFolder: s.models.importFolder, importing: s.models.importing, importError: s.models.importError, pickFolder: s.models.pickFolder, nativeDialogs: s.engine.app?.nativeDialogs ?? false }));
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const browse = async () => {
    if (a.nativeDialogs) {
      const p = await a.pickFolder('Choose a Wan2.1 model folder');
      if (p) setDir(p);
    } else setBrowsing(true);
  };
  return (
    <form className="stack" onSubmit={(e) => {
      e.preventDefault();
      setDone(null);
      void a.importFolder(dir.trim(), name.trim() || undefined).then((rec) => rec && setDone(rec.name));
    }}>
      <Field label="Model folder" hint="Official Wan2.1 layout (config.json, diffusion_pytorch_model*.safetensors, Wan2.1_VAE.pth, models_t5_*.pth, google/umt5-xxl/) or Diffusers layout (transformer/, vae/, text_encoder/, tokenizer/).">
        {(id, d) => (
          <div className="row" style={{ flexWrap: 'nowrap' }}>
            <input id={id} aria-describedby={d} className="grow mono" value={dir} placeholder="/path/to/Wan2.1-T2V-1.3B" onChange={(e) => setDir(e.currentTarget.value)} />
            <Button onClick={() => void browse()}>Browse…</Button>
          </div>
        )}
      </Field>
      {browsing && <FolderBrowser onPick={(p) => { setDir(p); setBrowsing(false); }} onClose={() => setBrowsing(false)} />}
      <Field label="Name (optional)">{(id) => <input id={id} value={name} onChange={(e) => setName(e.currentTarget.value)} />}</Field>
      <ErrorBanner error={a.importError} title="This folder cannot be imported" />
      {done && <div className="small" role="status" style={{ color: 'var(--ok)' }}>Imported {done}.</div>}
      <div className="row">
        <Button type="submit" variant="primary" disabled={!dir.trim() || a.importing}>{a.importing ? 'Checking the folder…' : 'Import'}</Button>
      </div>
    </form>
  );
}

function DownloadRow({ d }: { d: Download }) {
  const a = useAppShallow((s) => ({ cancel: s.models.cancelDownload, resume: s.models.resumeDownload }));
  const frac = d.totalBytes ? d.receivedBytes / d.totalBytes : 0;
  const active = d.state === 'downloading' || d.state === 'verifying' || d.state === 'queued';
  return (
    <li className="panel" style={{ boxShadow: 'none' }} data-download-id={d.id} data-state={d.state}>
      <div className="panel__body">
        <div className="row">
          <strong className="grow">{d.name}</strong>
          <Badge tone={d.state === 'done' ? 'ok' : d.state === 'failed' ? 'bad' : active ? 'info' : 'warn'}>{d.state}</Badge>
          {active && <Button onClick={() => void a.cancel(d.id)}>Cancel</Button>}
          {(d.state === 'failed' || d.state === 'cancelled' || d.state === 'interrupted') && <Button variant="primary" onClick={() => void a.resume(d.id)}>Resume</Button>}
        </div>
        <Meter value={d.state === 'done' ? 1 : frac} label={`Download ${d.name}`} tone={d.state === 'failed' ? 'bad' : 'accent'} />
        <div className="small muted">
          {formatBytes(d.receivedBytes)} of {d.totalBytes ? formatBytes(d.totalBytes) : 'unknown'}
          {d.state === 'downloading' && d.bytesPerSecond > 0 ? ` · ${formatBytes(d.bytesPerSecond)}/s` : ''}
          {' · '}{d.files.filter((f) => f.verified).length}/{d.files.length} files verified (sha256)
        </div>
        {d.error && <ErrorBanner error={d.error} title="Download failed" />}
      </div>
    </li>
  );
}

function DownloadForm() {
  const a = useAppShallow((s) => ({ download: s.models.download, downloads: s.models.downloads, error: s.models.error }));
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const parsed = parseDownloadList(text);
  return (
    <div className="stack">
      <form className="stack" onSubmit={(e) => {
        e.preventDefault();
        if (parsed.ok) void a.download({ name: name.trim(), files: parsed.files }).then((ok) => ok && setText(''));
      }}>
        <Field label="Name">{(id) => <input id={id} value={name} onChange={(e) => setName(e.currentTarget.value)} placeholder="Wan2.1 T2V 1.3B" />}</Field>
        <Field label="Files: one per line, “URL SHA256 PATH-IN-FOLDER”" error={text.trim() && !parsed.ok ? parsed.error : null}>
          {(id, d) => <textarea id={id} aria-describedby={d} className="mono" rows={4} value={text} onChange={(e) => setText(e.currentTarget.value)} placeholder="https://example.org/config.json 3f…a1 config.json" />}
        </Field>
        <div className="row">
          <Button type="submit" variant="primary" disabled={!name.trim() || !parsed.ok}>Download</Button>
          <span className="muted small">Downloads resume where they stopped and every file is checked against its sha256.</span>
        </div>
      </form>
      {a.downloads.length > 0 && <ul className="list">{a.downloads.map((d) => <DownloadRow key={d.id} d={d} />)}</ul>}
    </div>
  );
}

export function ModelsPage() {
  const m = useAppShallow((s) => ({ list: s.models.list, activeId: s.models.activeId, loaded: s.models.loaded, error: s.models.error }));
  const defaultId = useApp((s) => s.settings.values?.defaultModelId ?? null);
  return (
    <div className="page page--two">
      <Section title="Installed models">
        <ErrorBanner error={m.error} />
        {m.loaded && m.list.length === 0 ? (
          <EmptyState title="No models">Import a Wan2.1 folder or download one. The built-in demo model appears here when the app ships with it.</EmptyState>
        ) : (
          <ul className="list">{m.list.map((x) => <ModelCard key={x.id} m={x} active={x.id === m.activeId} isDefault={x.id === defaultId} />)}</ul>
        )}
      </Section>
      <div className="stack">
        <Section title="Import a folder"><ImportForm /></Section>
        <Section title="Download"><DownloadForm /></Section>
      </div>
    </div>
  );
}
