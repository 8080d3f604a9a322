// Engine status, always visible: connection, alive / restarting / dead, backend and device, memory.
import { useEffect, useState } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button } from '../../ui/controls';
import { formatBytes } from '../../ui/format';
import { selectEngineBadge } from '../engine/selectors';

const LABEL: Record<string, string> = {
  connecting: 'Connecting…',
  reconnecting: 'Connection lost, reconnecting…',
  offline: 'Disconnected',
  starting: 'Engine starting',
  alive: 'Engine ready',
  restarting: 'Engine restarting',
  dead: 'Engine stopped',
};

const TONE = { connecting: 'muted', reconnecting: 'bad', offline: 'bad', starting: 'info', alive: 'ok', restarting: 'warn', dead: 'bad' } as const;

export function StatusBar() {
  const badge = useApp(selectEngineBadge);
  const status = useApp((s) => s.engine.status);
  const { restart, restarting } = useAppShallow((s) => ({ restart: s.engine.restart, restarting: s.engine.restarting }));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (badge !== 'restarting') return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [badge]);
  const retryIn = status?.nextRestartAt ? Math.max(0, Math.ceil((status.nextRestartAt - now) / 1000)) : null;
  const device = status?.backend ? (status.deviceName.toLowerCase().startsWith(status.backend) ? status.deviceName : `${status.backend.toUpperCase()} · ${status.deviceName}`) : '';
  const memory = status && status.totalMemory > 0 ? `${formatBytes(status.totalMemory - status.freeMemory)} / ${formatBytes(status.totalMemory)}` : '';
  return (
    <div className="engine-status" role="status" aria-live="polite" data-engine-state={badge}>
      <Badge tone={TONE[badge]} title={status?.lastError ?? undefined}>
        <span className="dot" aria-hidden="true" />
        {LABEL[badge]}
        {badge === 'restarting' && retryIn !== null ? ` (retry in ${retryIn} s)` : ''}
      </Badge>
      {device && <span className="muted small" title={status?.fallbackReason || undefined}>{device}{status?.fallbackReason ? ' (GPU not used)' : ''}</span>}
      {memory && <span className="muted small" title="Device memory in use / total">{memory}</span>}
      {badge === 'dead' && (
        <Button onClick={() => void restart()} disabled={restarting}>{restarting ? 'Restarting…' : 'Restart engine'}</Button>
      )}
      {(badge === 'dead' || badge === 'restarting') && status?.lastError && (
        <span className="small" style={{ color: 'var(--bad)' }}>{status.lastError}</span>
      )}
    </div>
  );
}
