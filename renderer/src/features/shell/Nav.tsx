import { useApp } from '../../store/context';
import { selectQueueCounts } from '../queue/selectors';
import { SURFACES, SURFACE_LABELS } from './slice';
import { useAppShallow } from '../../store/context';

export function Nav() {
  const surface = useApp((s) => s.shell.surface);
  const go = useApp((s) => s.shell.go);
  const counts = useAppShallow(selectQueueCounts);
  return (
    <nav className="nav" aria-label="Surfaces">
      {SURFACES.map((id, i) => (
        <button key={id} aria-current={surface === id ? 'page' : undefined} onClick={() => go(id)} data-surface={id}>
          <span>{SURFACE_LABELS[id]}</span>
          {id === 'queue' && counts.queued + counts.running > 0 ? (
            <span className="nav__count" aria-label={`${counts.running} running, ${counts.queued} queued`}>{counts.running + counts.queued}</span>
          ) : (
            <kbd aria-hidden="true">Alt+{i + 1}</kbd>
          )}
        </button>
      ))}
    </nav>
  );
}
