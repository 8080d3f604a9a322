import { LivePreview } from '../preview/LivePreview';
import { PromptEditor } from './PromptEditor';
import { QueueMini } from '../queue/QueueMini';

export function CreatePage() {
  return (
    <div className="page page--two">
      <PromptEditor />
      <div className="stack">
        <LivePreview />
        <QueueMini />
      </div>
    </div>
  );
}
