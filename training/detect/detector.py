"""Reads a clip and measures what it shows: background colour, the objects (connected regions
that differ from the background), their count, colour, shape and size, and how they move.
Pure Python over decoded rgb24 frames; a 17x128x128 clip takes about a second."""
import json
import math
import subprocess
from collections import Counter

from ..data.attributes import BACKGROUND_COLOURS, OBJECT_COLOURS

FG_THRESHOLD = 48      # max channel difference from the background that makes a pixel foreground
MIN_AREA = 10          # pixels at 128x128 (scaled by frame area): smaller regions are noise


class Clip:
    def __init__(self, frames, width, height):
        self.frames, self.width, self.height = frames, width, height


def read_clip(path):
    """Decodes any video ffmpeg reads (or a folder of PNG frames) to rgb24 frames."""
    probe = subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries',
                            'stream=width,height', '-of', 'json', str(path)], capture_output=True, text=True)
    if probe.returncode != 0:
        raise ValueError(f'ffprobe cannot read {path}: {probe.stderr.strip()}')
    s = json.loads(probe.stdout)['streams'][0]
    w, h = int(s['width']), int(s['height'])
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', str(path), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
                         capture_output=True)
    if raw.returncode != 0:
        raise ValueError(f'ffmpeg cannot decode {path}: {raw.stderr.decode(errors="replace").strip()}')
    n = w * h * 3
    data = raw.stdout
    return Clip([data[i:i + n] for i in range(0, len(data) - n + 1, n)], w, h)


def clip_from_array(video):
    """[F][H][W][3] nested sequences or a uint8 array-like with .tobytes() of shape (F, H, W, 3)."""
    f, h, w = len(video), len(video[0]), len(video[0][0])
    if hasattr(video, 'tobytes'):
        data = video.tobytes()
        n = w * h * 3
        return Clip([data[i * n:(i + 1) * n] for i in range(f)], w, h)
    return Clip([bytes(v for row in fr for px in row for v in px) for fr in video], w, h)


# ---------------------------------------------------------------- colour naming (CIE Lab, D65)
def _lab(rgb):
    def lin(c):
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(float(c)) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = lambda t: t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def nearest_colour(rgb, palette):
    lab = _lab(rgb)
    return min(palette, key=lambda name: sum((a - b) ** 2 for a, b in zip(lab, _lab(palette[name]))))


# ---------------------------------------------------------------- per frame
def _background(clip):
    """Median colour of every frame's two outer pixel rings."""
    w, h = clip.width, clip.height
    idx = [y * w + x for y in (0, 1, h - 2, h - 1) for x in range(w)] + \
          [y * w + x for y in range(2, h - 2) for x in (0, 1, w - 2, w - 1)]
    chans = [[], [], []]
    step = max(1, len(clip.frames) // 9)
    for fr in clip.frames[::step]:
        for i in idx:
            for c in range(3):
                chans[c].append(fr[3 * i + c])
    return tuple(sorted(ch)[len(ch) // 2] for ch in chans)


def _components(frame, w, h, bg, min_area):
    br, bgc, bb = bg
    fg = bytearray(w * h)
    con = bytearray(w * h)    # contrast: largest channel difference from the background
    for i in range(w * h):
        c = max(abs(frame[3 * i] - br), abs(frame[3 * i + 1] - bgc), abs(frame[3 * i + 2] - bb))
        con[i] = c
        if c > FG_THRESHOLD:
            fg[i] = 1
    comps = []
    for start in range(w * h):
        if fg[start] != 1:
            continue
        fg[start] = 2
        stack, pix = [start], []
        while stack:
            p = stack.pop()
            pix.append(p)
            x, y = p % w, p // w
            for q, ok in ((p - 1, x > 0), (p + 1, x < w - 1), (p - w, y > 0), (p + w, y < h - 1)):
                if ok and fg[q] == 1:
                    fg[q] = 2
                    stack.append(q)
        if len(pix) >= min_area:
            comps += [_describe(part, frame, w, h, fg, con) for part in _split(pix, w, con, min_area)]
    return comps


def _split(pix, w, con, min_area):
    """Objects whose blurred halos touch form one foreground region: split it where its pixels
    drop below half the region's contrast, if that leaves several regions of object size."""
    cs = sorted(con[p] for p in pix)
    half = 0.5 * cs[int(0.9 * (len(cs) - 1))]
    core = {p for p in pix if con[p] >= half}
    parts = []
    while core:
        start = core.pop()
        stack, part = [start], [start]
        while stack:
            p = stack.pop()
            x = p % w
            for q, ok in ((p - 1, x > 0), (p + 1, x < w - 1), (p - w, True), (p + w, True)):
                if ok and q in core:
                    core.discard(q)
                    stack.append(q)
                    part.append(q)
        parts.append(part)
    big = [part for part in parts if len(part) >= min_area]
    return big if len(big) > 1 else [pix]


def _describe(pix, frame, w, h, fg, con):
    xs = [p % w for p in pix]
    ys = [p // w for p in pix]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    # interior pixels (all 4 neighbours foreground) carry the colour without edge blending
    inner = [p for p in pix if 0 < p % w < w - 1 and 0 < p // w < h - 1 and fg[p - 1] and fg[p + 1] and fg[p - w]
             and fg[p + w]] or pix
    colour = tuple(sum(frame[3 * p + c] for p in inner) / len(inner) for c in range(3))
    # The outline is measured at half the object's contrast (its "half maximum"), where a blurred
    # edge lies, rather than at the foreground threshold, which takes in a blurred halo and rounds
    # every shape off.
    cs = sorted(con[p] for p in pix)
    half = 0.5 * cs[int(0.9 * (len(cs) - 1))]
    core = [p for p in pix if con[p] >= half] or pix
    inside = set(core)
    cxs, cys = [p % w for p in core], [p // w for p in core]
    a0, a1, b0, b1 = min(cxs), max(cxs), min(cys), max(cys)
    bw, bh = a1 - a0 + 1, b1 - b0 + 1
    rows = Counter(cys)
    q1, q3 = b0 + (bh - 1) * 0.25, b0 + (bh - 1) * 0.75
    width_at = lambda yy: rows.get(int(round(yy)), 0)
    taper = (width_at(q1) + 0.5) / (width_at(q3) + 0.5)     # ~0.33 for an apex-up triangle, ~1 otherwise
    cw, ch = max(1, bw // 4), max(1, bh // 4)                 # corner boxes of a quarter of the bbox
    corner = 0
    for cx0, cy0 in ((a0, b0), (a1 - cw + 1, b0), (a0, b1 - ch + 1), (a1 - cw + 1, b1 - ch + 1)):
        corner += sum(1 for yy in range(cy0, cy0 + ch) for xx in range(cx0, cx0 + cw) if yy * w + xx in inside)
    return {'area': len(pix), 'cx': sum(xs) / len(pix), 'cy': sum(ys) / len(pix), 'bbox': (x0, y0, x1 - x0 + 1,
            y1 - y0 + 1), 'fill': len(core) / (bw * bh), 'taper': taper, 'corner': corner / (4 * cw * ch),
            'colour': colour, 'border': x0 == 0 or y0 == 0 or x1 == w - 1 or y1 == h - 1}


def _shape(comps):
    ok = [c for c in comps if not c['border']] or comps
    taper = sorted(c['taper'] for c in ok)[len(ok) // 2]
    corner = sorted(c['corner'] for c in ok)[len(ok) // 2]
    # Thresholds from the features of rendered clips and of their VAE reconstructions (blurred
    # edges, rounded corners), whose true shapes are known (training/NOTES.md): an apex-up
    # triangle is much narrower at a quarter of its height than at three quarters (clean 0.34-0.43,
    # reconstructed 0.41-0.85; circles and squares 0.87 and up); a square fills the corners of its
    # bounding box (clean 1.0, reconstructed mostly 0.44-0.81; circles 0.16-0.41).
    if taper < 0.8:
        return 'triangle'
    return 'square' if corner > 0.43 else 'circle'


def analyse(clip):
    """Measured attributes of a clip: count, colour, shape, size, motion, background, plus the
    per-frame tracks they come from."""
    w, h = clip.width, clip.height
    scale = w / 128.0
    bg = _background(clip)
    min_area = max(4, int(MIN_AREA * (w * h) / (128 * 128)))
    per_frame = [_components(fr, w, h, bg, min_area) for fr in clip.frames]
    counts = Counter(len(c) for c in per_frame)
    count = max(counts, key=lambda k: (counts[k], k))
    out = {'background': nearest_colour(bg, BACKGROUND_COLOURS), 'background_rgb': bg, 'count': count}
    if count == 0:
        out.update(colour=None, shape=None, size=None, motion=None)
        return out
    frames = [(i, c) for i, c in enumerate(per_frame) if len(c) == count]
    comps = [c for _, cs in frames for c in cs]
    total = sum(c['area'] for c in comps)
    colour = tuple(sum(c['colour'][k] * c['area'] for c in comps) / total for k in range(3))
    out['colour'] = nearest_colour(colour, OBJECT_COLOURS)
    out['colour_rgb'] = tuple(round(v) for v in colour)
    out['shape'] = _shape(comps)
    # motion from the mean centroid and mean area of the frames that show `count` objects
    ts = [i for i, _ in frames]
    xs = [sum(c['cx'] for c in cs) / count for _, cs in frames]
    ys = [sum(c['cy'] for c in cs) / count for _, cs in frames]
    areas = [sum(c['area'] for c in cs) / count for _, cs in frames]
    k = max(1, len(ts) // 6)
    head = lambda v: sum(v[:k]) / k
    tail = lambda v: sum(v[-k:]) / k
    radius = math.sqrt(head(areas) / math.pi) / scale
    out['size'] = 'small' if radius < 13.5 else 'large'
    growth = tail(areas) / max(1.0, head(areas))
    dx, dy = (tail(xs) - head(xs)) / scale, (tail(ys) - head(ys)) / scale
    low = (max(ys[1:-1]) - max(head(ys), tail(ys))) / scale if len(ys) > 2 else 0.0
    excursion = (max(ys) - min(ys)) / scale
    out['track'] = {'frames': ts, 'x': [round(v, 1) for v in xs], 'y': [round(v, 1) for v in ys],
                    'area': areas, 'growth': round(growth, 3), 'dx': round(dx, 2), 'dy': round(dy, 2),
                    'bounce_depth': round(low, 2)}
    if len(ts) < max(3, len(clip.frames) // 3):
        out['motion'] = None          # too few consistent frames to tell
    elif growth > 1.6:
        out['motion'] = 'growing'
    elif low > 8 and excursion - abs(dy) > 8:
        out['motion'] = 'bouncing'
    elif max(abs(dx), abs(dy)) > 10:
        out['motion'] = ('right' if dx > 0 else 'left') if abs(dx) >= abs(dy) else ('down' if dy > 0 else 'up')
    else:
        out['motion'] = 'still'
    return out


CORE = ('colour', 'shape', 'count', 'motion')


def check(expected, measured):
    """{attribute: bool} for every attribute the caption names (expected = parse_prompt(...))."""
    return {k: measured.get(k) == v for k, v in expected.items()}
