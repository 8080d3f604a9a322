// Headless folder picker: browse the folders the app may read (its data folders and any the user
// allowed) and choose one. The desktop app uses the OS dialog instead.
import { useEffect, useState } from 'react';
import type { DirListing, FolderRoot } from '../../../../app/contract/entities';
import { toUiError, type UiError } from '../../api/client';
import { useAppShallow } from '../../store/context';
import { Button, ErrorBanner } from '../../ui/controls';
import { formatBytes } from '../../ui/format';

export function FolderBrowser({ onPick, onClose }: { onPick: (path: string) => void; onClose: () => void }) {
  const m = useAppShallow((s) => ({ roots: s.models.folderRoots, list: s.models.listFolder }));
  const [roots, setRoots] = useState<FolderRoot[]>([]);
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const guard = async <T,>(p: Promise<T>): Promise<T | null> => {
    try {
      setError(null);
      return await p;
    } catch (e) {
      setError(toUiError(e));
      return null;
    }
  };
  useEffect(() => {
    void guard(m.roots()).then((r) => r && setRoots(r));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const open = (path: string) => void guard(m.list(path)).then((l) => l && setListing(l));
  return (
    <div className="panel" role="dialog" aria-label="Choose a folder" style={{ boxShadow: 'none' }}>
      <div className="panel__body">
        <div className="row">
          <strong className="grow">Choose a folder</strong>
          <Button variant="ghost" onClick={onClose}>Close</Button>
        </div>
        <div className="row">
          {roots.map((r) => <Button key={r.path} onClick={() => open(r.path)} title={r.path}>{r.label}</Button>)}
        </div>
        <ErrorBanner error={error} />
        {listing && (
          <>
            <div className="row small">
              <span className="mono grow" style={{ wordBreak: 'break-all' }}>{listing.path}</span>
              {listing.parent && <Button variant="ghost" onClick={() => open(listing.parent!)}>Up</Button>}
              <Button variant="primary" onClick={() => onPick(listing.path)}>Use this folder</Button>
            </div>
            <ul className="list" style={{ maxHeight: 260, overflow: 'auto' }}>
              {listing.entries.filter((e) => e.isDir).map((e) => (
                <li key={e.path}><Button variant="ghost" onClick={() => open(e.path)}>▸ {e.name}/</Button></li>
              ))}
              {listing.entries.filter((e) => !e.isDir).slice(0, 50).map((e) => (
                <li key={e.path} className="small muted" style={{ paddingLeft: 12 }}>{e.name} · {formatBytes(e.sizeBytes)}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
