// The list of jobs with drag-and-drop reordering of the queued ones.
import { useState } from 'react';
import type { Job } from '../../../../app/contract/entities';
import { useApp } from '../../store/context';
import { JobRow } from './JobRow';

export function JobList({ jobs, compact }: { jobs: Job[]; compact?: boolean }) {
  const moveToIndex = useApp((s) => s.queue.moveToIndex);
  const [dragId, setDragId] = useState<string | null>(null);
  const [overId, setOverId] = useState<string | null>(null);
  const queued = jobs.filter((j) => j.state === 'queued').map((j) => j.id);
  return (
    <ol className="list" aria-label="Jobs">
      {jobs.map((job, index) => (
        <JobRow
          key={job.id}
          job={job}
          index={index}
          queuedIndex={queued.indexOf(job.id)}
          queuedCount={queued.length}
          dropBefore={dragId !== null && overId === job.id && dragId !== job.id}
          compact={compact}
          onDragStart={setDragId}
          onDragOverRow={setOverId}
          onDropRow={(target) => {
            if (dragId && dragId !== target && queued.includes(target)) {
              // Dropping on a row puts the dragged job where that row is.
              void moveToIndex(dragId, queued.indexOf(target));
            }
            setDragId(null);
            setOverId(null);
          }}
          onDragEnd={() => {
            setDragId(null);
            setOverId(null);
          }}
        />
      ))}
    </ol>
  );
}
