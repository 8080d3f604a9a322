// The queue's active part beside the live preview on the Create surface.
import { useApp, useAppShallow } from '../../store/context';
import { Button, Section } from '../../ui/controls';
import { JobList } from './JobList';
import { selectJobs } from './selectors';

export function QueueMini() {
  const jobs = useAppShallow(selectJobs);
  const go = useApp((s) => s.shell.go);
  const active = jobs.filter((j) => j.state === 'queued' || j.state === 'running').slice(0, 5);
  const more = jobs.filter((j) => j.state === 'queued' || j.state === 'running').length - active.length;
  return (
    <Section title="Up next" actions={<Button variant="ghost" onClick={() => go('queue')}>Open queue</Button>}>
      {active.length === 0 ? <div className="muted small">The queue is empty.</div> : <JobList jobs={active} compact />}
      {more > 0 && <div className="muted small">and {more} more</div>}
    </Section>
  );
}
