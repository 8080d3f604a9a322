// Renderer entry: the same bundle runs in Electron (window.tessera from the preload) and in a
// browser served by `tessera serve` (WebSocket, token from the URL or typed in).
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { boot, connectFromPage, type Booted } from './boot';
import { App } from './features/shell/App';
import { TokenGate } from './features/shell/TokenGate';
import { StoreProvider } from './store/context';
import './styles/app.css';

function Root() {
  const [booted, setBooted] = useState<Booted | null>(() => {
    const c = connectFromPage();
    return c ? boot(c) : null;
  });
  if (!booted) {
    return (
      <TokenGate
        onToken={(token) => {
          const c = connectFromPage(token);
          if (c) setBooted(boot(c));
        }}
      />
    );
  }
  return (
    <StoreProvider store={booted.store}>
      <App transport={booted.connection.transport} />
    </StoreProvider>
  );
}

// Follow the OS theme until settings load, so the first paint is not a flash of the wrong theme.
document.documentElement.dataset.theme = window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
