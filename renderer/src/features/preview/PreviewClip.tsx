// Plays the live preview clip of the current x0 prediction (all frames, looping). A new clip is
// loaded in a hidden second <video> and swapped in once it can play, so the preview never blanks.
import { useEffect, useRef, useState } from 'react';

export function PreviewClip({ url, seq, label }: { url: string | null; seq: number; label: string }) {
  const [slots, setSlots] = useState<[string | null, string | null]>([url, null]);
  const [front, setFront] = useState(0);
  const pending = useRef<string | null>(null);
  // Which preview step each slot holds, so the shown step is observable (tests, screen readers).
  const seqs = useRef<[number, number]>([seq, 0]);

  useEffect(() => {
    if (!url || url === slots[front]) return;
    if (!slots[front]) {
      seqs.current[front] = seq;
      setSlots(front === 0 ? [url, slots[1]] : [slots[0], url]);
      return;
    }
    pending.current = url;
    seqs.current[1 - front] = seq;
    setSlots(front === 0 ? [slots[0], url] : [url, slots[1]]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url]);

  const onReady = (i: number) => {
    if (i !== front && slots[i] === pending.current) {
      pending.current = null;
      setFront(i);
    }
  };

  if (!url && !slots[0] && !slots[1]) {
    return <div className="player"><div className="player__placeholder">The preview appears after the first sampling step.</div></div>;
  }
  return (
    <div className="player" data-testid="preview-player" data-preview-seq={seq} data-shown-seq={seqs.current[front]}>
      {[0, 1].map((i) =>
        slots[i] ? (
          <video
            key={i}
            src={slots[i] ?? undefined}
            aria-label={i === front ? label : undefined}
            aria-hidden={i !== front}
            data-front={i === front}
            autoPlay
            loop
            muted
            playsInline
            onCanPlay={() => onReady(i)}
            style={{ display: i === front ? 'block' : 'none' }}
          />
        ) : null,
      )}
    </div>
  );
}
