"""Caption -> the attributes it names, by the vocabulary of training/data/captions.py."""
import re

from ..data.attributes import BACKGROUND_COLOURS, OBJECT_COLOURS
from ..data.captions import COUNT_WORDS, MOTION_PHRASES, SHAPE_NOUNS, SIZE_WORDS

_BG = re.compile(r'(?:on|against|over|in front of) an? (\w+) (?:background|backdrop|wall)')


def parse_prompt(text):
    """{'count', 'shape', 'colour', 'motion', 'size', 'background'} for what the caption says
    (absent keys: not said). Raises ValueError when a core attribute cannot be found."""
    t = ' '.join(text.lower().replace(',', ' ').split())
    out = {}
    m = _BG.search(t)
    if m and m.group(1) in BACKGROUND_COLOURS:
        out['background'] = m.group(1)
        t = (t[:m.start()] + ' ' + t[m.end():]).strip()
    words = t.split()
    for shape, forms in SHAPE_NOUNS.items():
        for one, many in forms:
            if one in words or many in words:
                out['shape'] = shape
                noun_at = words.index(one if one in words else many)
    if 'shape' not in out:
        raise ValueError(f'no shape in "{text}"')
    before = ' ' + ' '.join(words[:noun_at]) + ' '
    count = None
    for n, forms in COUNT_WORDS.items():
        for f in forms:
            if f' {f} ' in before and (count is None or n > 1):
                count = n
    out['count'] = count or 1
    for c in OBJECT_COLOURS:
        if c in words[:noun_at]:
            out['colour'] = c
    for s, forms in SIZE_WORDS.items():
        if any(f in words[:noun_at] for f in forms):
            out['size'] = s
    after = ' ' + ' '.join(words[noun_at + 1:]) + ' '
    best = None
    for motion, phrases in MOTION_PHRASES.items():
        for forms in phrases:
            for f in forms:
                if f' {f} ' in after and (best is None or len(f) > best[1]):
                    best = (motion, len(f))
    if best:
        out['motion'] = best[0]
    for key in ('colour', 'motion'):
        if key not in out:
            raise ValueError(f'no {key} in "{text}"')
    return out
