import { useEffect } from 'react';
import { useApp } from '../../store/context';
import { Button } from '../../ui/controls';

const LIFETIME_MS = 8000;

export function Notices() {
  const notices = useApp((s) => s.shell.notices);
  const dismiss = useApp((s) => s.shell.dismiss);
  useEffect(() => {
    if (notices.length === 0) return;
    // Info notices fade on their own; errors stay until dismissed.
    const timers = notices.filter((n) => n.kind === 'info').map((n) => setTimeout(() => dismiss(n.id), LIFETIME_MS));
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice--${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <div className="grow">
            <strong>{n.title}</strong>
            <div className="small muted">{n.body}</div>
          </div>
          <Button variant="ghost" aria-label="Dismiss notice" onClick={() => dismiss(n.id)}>×</Button>
        </div>
      ))}
    </div>
  );
}
