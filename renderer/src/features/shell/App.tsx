// The app frame: top bar with the engine status, surface navigation, the current surface,
// notices, and the global keyboard shortcuts.
import { useEffect, useRef, type ReactElement } from 'react';
import { useApp, useAppStore } from '../../store/context';
import { selectThemeSetting } from '../settings/selectors';
import { AttentionPage } from '../attention/AttentionPage';
import { AttnMapPage } from '../attnmap/AttnMapPage';
import { GalleryPage } from '../gallery/GalleryPage';
import { ModelsPage } from '../models/ModelsPage';
import { CreatePage } from '../prompt/CreatePage';
import { QueuePage } from '../queue/QueuePage';
import { SettingsPage } from '../settings/SettingsPage';
import { ConnectionBanner } from './ConnectionBanner';
import { Nav } from './Nav';
import { Notices } from './Notices';
import { shortcutFor } from './shortcuts';
import { StatusBar } from './StatusBar';
import { useThemeEffect } from './theme';
import { SURFACE_LABELS, type Surface } from './slice';

const PAGES: Record<Surface, () => ReactElement> = {
  create: CreatePage,
  attention: AttentionPage,
  maps: AttnMapPage,
  queue: QueuePage,
  gallery: GalleryPage,
  models: ModelsPage,
  settings: SettingsPage,
};

export function App({ transport = 'websocket' }: { transport?: 'electron' | 'websocket' }) {
  const store = useAppStore();
  const surface = useApp((s) => s.shell.surface);
  useThemeEffect(useApp(selectThemeSetting));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      const s = store.getState();
      if (action.kind === 'generate') void s.prompt.submit();
      else if (action.kind === 'go') s.shell.go(action.surface);
      else if (action.kind === 'pauseQueue') void (s.queue.paused ? s.queue.resume() : s.queue.pause());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  // Moving to another surface puts keyboard focus at its start, as a page change would.
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
    mainRef.current?.scrollTo?.({ top: 0 });
  }, [surface]);

  const Page = PAGES[surface];
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand" aria-label="Tessera">Tess<span>era</span></div>
        <div className="topbar__spacer" />
        <StatusBar />
      </header>
      <Nav />
      <main className="main" id="main" data-surface={surface} ref={mainRef} tabIndex={-1} aria-label={SURFACE_LABELS[surface]}>
        <ConnectionBanner transport={transport} />
        <Page />
      </main>
      <Notices />
    </div>
  );
}
