// When the connection to a headless server stays down (e.g. it restarted with a new token), say so
// and offer to enter the new token instead of retrying silently forever.
import { useEffect, useState } from 'react';
import { rememberToken } from '../../api/connect';
import { useApp } from '../../store/context';
import { Button } from '../../ui/controls';
import { selectEngineBadge } from '../engine/selectors';

export const STUCK_AFTER_MS = 8000;

export function ConnectionBanner({ transport }: { transport: 'electron' | 'websocket' }) {
  const badge = useApp(selectEngineBadge);
  const down = badge === 'reconnecting' || badge === 'offline';
  const [stuck, setStuck] = useState(false);
  const [token, setToken] = useState('');
  useEffect(() => {
    if (!down) {
      setStuck(false);
      return;
    }
    const t = setTimeout(() => setStuck(true), STUCK_AFTER_MS);
    return () => clearTimeout(t);
  }, [down]);
  if (!down || !stuck || transport !== 'websocket') return null;
  return (
    <div className="banner banner--warn" role="alert" style={{ marginBottom: 12, position: 'sticky', top: 0, zIndex: 10 }} data-testid="connection-banner">
      <form className="row grow" onSubmit={(e) => {
        e.preventDefault();
        if (!token.trim()) return;
        // The server trades ?token= for its session cookie (the page and files need it) and
        // redirects to #token=, where the WebSocket client picks it up.
        rememberToken(token.trim());
        const url = new URL(window.location.pathname, window.location.origin);
        url.searchParams.set('token', token.trim());
        window.location.assign(url.toString());
      }}>
        <span className="grow">The Tessera server does not answer. If it was restarted, open the address it printed, or enter its new token (in its token file):</span>
        <input aria-label="New access token" className="mono" style={{ width: 260 }} value={token} onChange={(e) => setToken(e.currentTarget.value)} />
        <Button type="submit" variant="primary" disabled={!token.trim()}>Reconnect</Button>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </form>
    </div>
  );
}
