// Shown in a browser opened without the server's token: asks for it instead of failing silently.
import { useState } from 'react';

export function TokenGate({ onToken }: { onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main className="main" style={{ display: 'grid', placeItems: 'center', height: '100%' }}>
      <form
        className="panel"
        style={{ maxWidth: 460, width: '100%' }}
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <div className="panel__head"><h2>Connect to Tessera</h2></div>
        <div className="panel__body">
          <p className="small" style={{ margin: 0 }}>
            This server needs its access token. Open the address <code>tessera serve</code> printed (it carries the token), or paste the token from the token file it wrote.
          </p>
          <div className="field">
            <label htmlFor="token">Access token</label>
            <input id="token" className="mono" autoFocus autoComplete="off" value={token} onChange={(e) => setToken(e.currentTarget.value)} />
          </div>
          <div className="row row--end">
            <button type="submit" className="btn btn--primary" disabled={!token.trim()}>Connect</button>
          </div>
        </div>
      </form>
    </main>
  );
}
