// Draws a grid of 0..1 values with the heatmap ramp at one pixel per cell (the browser scales it
// up without smoothing), reports clicks as cell fractions, and can mark one cell.
import { useEffect, useRef, type CSSProperties } from 'react';
import { toRgba } from './heatmap';

export interface HeatCanvasProps {
  values: Float32Array;
  width: number;
  height: number;
  label: string;
  marker?: { x: number; y: number } | null;
  /** 1 where an overlay (e.g. the kept window) covers the cell. */
  overlay?: ArrayLike<number> | null;
  onPick?: (fx: number, fy: number) => void;
  style?: CSSProperties;
}

export function HeatCanvas({ values, width, height, label, marker, overlay, onPick, style }: HeatCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || width <= 0 || height <= 0) return;
    // Several canvas pixels per cell so outlines and the marker stay thin relative to cells.
    const s = Math.max(1, Math.floor(512 / Math.max(width, height)));
    c.width = width * s;
    c.height = height * s;
    const img = new ImageData(toRgba(values) as unknown as Uint8ClampedArray<ArrayBuffer>, width, height);
    const tmp = document.createElement('canvas');
    tmp.width = width;
    tmp.height = height;
    tmp.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, width * s, height * s);
    if (overlay) {
      ctx.strokeStyle = 'rgba(80, 220, 255, 0.95)';
      ctx.lineWidth = Math.max(1, Math.min(3, s / 6));
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          if (!overlay[y * width + x]) continue;
          // Outline only the border of the kept region: edges next to a non-kept cell.
          const k = (xx: number, yy: number) => xx >= 0 && yy >= 0 && xx < width && yy < height && !!overlay[yy * width + xx];
          ctx.beginPath();
          if (!k(x, y - 1)) { ctx.moveTo(x * s, y * s); ctx.lineTo((x + 1) * s, y * s); }
          if (!k(x, y + 1)) { ctx.moveTo(x * s, (y + 1) * s); ctx.lineTo((x + 1) * s, (y + 1) * s); }
          if (!k(x - 1, y)) { ctx.moveTo(x * s, y * s); ctx.lineTo(x * s, (y + 1) * s); }
          if (!k(x + 1, y)) { ctx.moveTo((x + 1) * s, y * s); ctx.lineTo((x + 1) * s, (y + 1) * s); }
          ctx.stroke();
        }
    }
    if (marker) {
      const lw = Math.max(2, Math.min(4, s / 8));
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = lw;
      ctx.strokeRect(marker.x * s + lw / 2, marker.y * s + lw / 2, s - lw, s - lw);
    }
  }, [values, width, height, overlay, marker]);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={label}
      style={{ aspectRatio: `${width} / ${height}`, ...style }}
      onClick={(e) => {
        if (!onPick) return;
        const r = e.currentTarget.getBoundingClientRect();
        onPick((e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
      }}
    />
  );
}
