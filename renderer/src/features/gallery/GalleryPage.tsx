// Gallery/history: every output with its full settings; play, reuse settings, open, delete.
import { useEffect, useState } from 'react';
import type { GalleryItem } from '../../../../app/contract/entities';
import { useApp, useAppShallow } from '../../store/context';
import { Button, EmptyState, ErrorBanner, Section } from '../../ui/controls';
import { formatBytes, formatSeconds, formatTime } from '../../ui/format';
import { selectGalleryItems, selectSelectedItem } from './selectors';

function Media({ item, controls, label }: { item: GalleryItem; controls: boolean; label: string }) {
  if (!item.url) return <div className="player__placeholder">File missing</div>;
  if (item.format === 'gif') return <img src={item.url} alt={label} />;
  if (item.format === 'png') return <div className="player__placeholder">PNG frames in {item.path}</div>;
  return controls ? (
    <video src={item.url} controls autoPlay loop muted playsInline aria-label={label} data-testid="gallery-player" />
  ) : (
    <video
      src={item.url}
      muted
      loop
      playsInline
      preload="metadata"
      aria-hidden="true"
      onMouseEnter={(e) => void e.currentTarget.play().catch(() => {})}
      onMouseLeave={(e) => e.currentTarget.pause()}
    />
  );
}

function Card({ item, selected, onSelect }: { item: GalleryItem; selected: boolean; onSelect: () => void }) {
  return (
    <button className="card" aria-pressed={selected} onClick={onSelect} data-item-id={item.id} aria-label={`${item.params.prompt}, ${item.width}×${item.height}, ${item.frames} frames`}>
      <div className="card__thumb"><Media item={item} controls={false} label="" /></div>
      <div className="card__body">
        <div className="card__title">{item.params.prompt}</div>
        <div className="small muted">{item.width}×{item.height} · {item.frames} fr · {item.format.toUpperCase()} · seed {item.params.seed}</div>
      </div>
    </button>
  );
}

function Detail({ item }: { item: GalleryItem }) {
  const a = useAppShallow((s) => ({ reuse: s.gallery.reuse, remove: s.gallery.remove, open: s.gallery.open, go: s.shell.go }));
  const error = useApp((s) => s.gallery.error);
  const [confirm, setConfirm] = useState(false);
  const [deleteFile, setDeleteFile] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);
  useEffect(() => {
    setConfirm(false);
    setOpened(null);
  }, [item.id]);
  const p = item.params;
  const rules = p.attention?.rules.length ?? 0;
  return (
    <Section
      title="Output"
      actions={
        <>
          <Button variant="primary" onClick={() => void a.reuse(item.id).then((ok) => ok && a.go('create'))}>Reuse settings</Button>
          <Button onClick={() => void a.open(item.id).then((r) => {
            if (r && !r.opened) window.open(r.url, '_blank', 'noopener');
            if (r) setOpened(r.url);
          })}>Open file</Button>
          <Button variant="danger" onClick={() => setConfirm(true)}>Delete</Button>
        </>
      }
    >
      <div className="player"><Media item={item} controls label={`Video: ${p.prompt}`} /></div>
      {confirm && (
        <div className="banner banner--warn" role="alertdialog" aria-label="Confirm delete">
          <div className="stack">
            <div>Remove this output from the gallery?</div>
            <label className="check"><input type="checkbox" checked={deleteFile} onChange={(e) => setDeleteFile(e.currentTarget.checked)} /> Also delete the file from disk</label>
            <div className="row">
              <Button variant="danger" onClick={() => void a.remove(item.id, deleteFile)}>Delete</Button>
              <Button onClick={() => setConfirm(false)}>Keep</Button>
            </div>
          </div>
        </div>
      )}
      {opened && <span className="visually-hidden" role="status">Opened</span>}
      <dl className="kv" data-testid="gallery-settings">
        <dt>Prompt</dt><dd>{p.prompt}</dd>
        <dt>Negative</dt><dd>{p.negativePrompt || <span className="muted">model default</span>}</dd>
        <dt>Model</dt><dd>{item.modelName}</dd>
        <dt>Size</dt><dd>{item.width}×{item.height}, {item.frames} frames at {item.fps} fps</dd>
        <dt>Sampler</dt><dd>{p.sampler}, {p.steps} steps{p.timesteps?.length ? ` (t = ${p.timesteps.join(', ')})` : ''}, guidance {p.guidance}, shift {p.shift}</dd>
        <dt>Seed</dt><dd className="mono">{p.seed}</dd>
        <dt>Attention</dt><dd>{rules === 0 ? 'dense' : `${rules} rule${rules > 1 ? 's' : ''}, tile ${(p.attention?.tile ?? [6, 8, 8]).join('×')}`}</dd>
        <dt>Export</dt><dd>{item.export.format.toUpperCase()}{item.export.crf !== undefined ? `, CRF ${item.export.crf}` : ''} · {formatBytes(item.sizeBytes)}</dd>
        <dt>Timings</dt><dd>text {formatSeconds(item.timings.textSeconds)}, denoise {formatSeconds(item.timings.denoiseSeconds)}, decode {formatSeconds(item.timings.decodeSeconds)}</dd>
        <dt>Peak memory</dt><dd>{formatBytes(item.deviceBytesPeak)}</dd>
        <dt>Created</dt><dd>{formatTime(item.createdAt)}</dd>
        <dt>File</dt><dd className="mono">{item.path}</dd>
      </dl>
      <ErrorBanner error={error} />
    </Section>
  );
}

function ReuseFromFile() {
  const a = useAppShallow((s) => ({ reuse: s.gallery.reuseFromFile, go: s.shell.go }));
  const [path, setPath] = useState('');
  return (
    <form className="row" onSubmit={(e) => {
      e.preventDefault();
      void a.reuse(path.trim()).then((ok) => ok && a.go('create'));
    }}>
      <input aria-label="Exported file path" className="grow mono" style={{ width: 'auto' }} placeholder="/path/to/video.mp4 (settings embedded in its metadata)" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
      <Button type="submit" disabled={!path.trim()}>Reuse from file</Button>
    </form>
  );
}

export function GalleryPage() {
  const items = useApp(selectGalleryItems);
  const selected = useApp(selectSelectedItem);
  const g = useAppShallow((s) => ({ total: s.gallery.total, search: s.gallery.search, loading: s.gallery.loading, loaded: s.gallery.loaded, setSearch: s.gallery.setSearch, load: s.gallery.load, select: s.gallery.select, error: s.gallery.error }));
  useEffect(() => {
    const t = setTimeout(() => void g.load(), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [g.search]);
  return (
    <div className="page page--two">
      <Section title={`Gallery (${g.total})`}>
        <input type="search" aria-label="Search prompts" placeholder="Search prompts…" value={g.search} onChange={(e) => g.setSearch(e.currentTarget.value)} />
        {!selected && <ErrorBanner error={g.error} />}
        {g.loaded && items.length === 0 ? (
          <EmptyState title={g.search ? 'No output matches' : 'No outputs yet'}>{g.search ? 'Try another word.' : 'Finished generations appear here with their settings.'}</EmptyState>
        ) : (
          <div className="gallery-grid">
            {items.map((it) => <Card key={it.id} item={it} selected={selected?.id === it.id} onSelect={() => g.select(it.id)} />)}
          </div>
        )}
        {items.length < g.total && <Button disabled={g.loading} onClick={() => void g.load(true)}>Load more</Button>}
        <ReuseFromFile />
      </Section>
      {selected ? <Detail item={selected} /> : <Section title="Output"><EmptyState title="Select an output">Pick a video to play it and see its full settings.</EmptyState></Section>}
    </div>
  );
}
