"""Captions from varied templates, and the fixed held-out prompt set the training never sees
verbatim. An attribute the caption leaves out (size, background) is drawn at random when the
clip is rendered and is not checked by the detector."""
import random

from .attributes import BACKGROUND_COLOURS, COUNTS, MOTIONS, OBJECT_COLOURS, SHAPES, SIZES, compatible

SHAPE_NOUNS = {
    'circle': (('circle', 'circles'), ('ball', 'balls'), ('disk', 'disks'), ('dot', 'dots')),
    'square': (('square', 'squares'), ('box', 'boxes'), ('block', 'blocks')),
    'triangle': (('triangle', 'triangles'),),
}
COUNT_WORDS = {1: ('a', 'one', 'a single'), 2: ('two', 'a pair of'), 3: ('three',)}
SIZE_WORDS = {'small': ('small', 'tiny', 'little'), 'large': ('large', 'big', 'huge')}
# (participle phrase, third-person singular, plural)
MOTION_PHRASES = {
    'left': (('moving left', 'moves left', 'move left'), ('sliding to the left', 'slides to the left', 'slide to the left'),
             ('going left', 'goes left', 'go left'), ('drifting left', 'drifts left', 'drift left')),
    'right': (('moving right', 'moves right', 'move right'), ('sliding to the right', 'slides to the right',
              'slide to the right'), ('going right', 'goes right', 'go right'), ('drifting right', 'drifts right',
                                                                                  'drift right')),
    'up': (('moving up', 'moves up', 'move up'), ('rising', 'rises', 'rise'), ('floating up', 'floats up', 'float up'),
           ('going up', 'goes up', 'go up')),
    'down': (('moving down', 'moves down', 'move down'), ('falling', 'falls', 'fall'), ('sinking', 'sinks', 'sink'),
             ('going down', 'goes down', 'go down')),
    'bouncing': (('bouncing', 'bounces', 'bounce'), ('bouncing up and down', 'bounces up and down',
                 'bounce up and down'), ('hopping', 'hops', 'hop')),
    'growing': (('growing', 'grows', 'grow'), ('getting bigger', 'gets bigger', 'get bigger'),
                ('expanding', 'expands', 'expand')),
    'still': (('standing still', 'stands still', 'stand still'), ('not moving', 'does not move', 'do not move'),
              ('resting', 'rests', 'rest'), ('staying in place', 'stays in place', 'stay in place')),
}
BACKGROUND_PHRASES = ('on a {} background', 'against a {} background', 'over a {} backdrop', 'in front of a {} wall')

# {obj} = count + size + colour + noun; {p} participle, {v} finite verb, {bg} background phrase
TEMPLATES = (
    '{obj} {p} {bg}',
    '{obj} {p}',
    '{obj} {v} {bg}',
    '{bg_cap}, {obj} {v}',
    'a video of {obj} {p} {bg}',
    'an animation of {obj} {p}',
    '{obj} that {v}, {bg}',
    'we see {obj} {p} {bg}',
)


def sample_attributes(rng):
    """A random, valid attribute set; `mentioned` says which the caption will name."""
    count = rng.choice(COUNTS)
    motion = rng.choice(MOTIONS)
    size = 'small' if count == 3 or (count == 2 and motion == 'growing') else rng.choice(SIZES)
    background = rng.choice(tuple(BACKGROUND_COLOURS))
    colour = rng.choice([c for c in OBJECT_COLOURS if compatible(c, background)])
    return {'count': count, 'shape': rng.choice(SHAPES), 'colour': colour, 'size': size,
            'motion': motion, 'background': background,
            'mention_size': rng.random() < 0.6, 'mention_background': rng.random() < 0.8}


def caption(attrs, rng):
    n = attrs['count']
    nouns = rng.choice(SHAPE_NOUNS[attrs['shape']])
    words = [rng.choice(COUNT_WORDS[n])]
    if attrs['mention_size']:
        words.append(rng.choice(SIZE_WORDS[attrs['size']]))
    words += [attrs['colour'], nouns[0] if n == 1 else nouns[1]]
    obj = ' '.join(words)
    p, v1, vn = rng.choice(MOTION_PHRASES[attrs['motion']])
    v = v1 if n == 1 else vn
    if not attrs['mention_background']:
        tpl = rng.choice([t for t in TEMPLATES if 'bg' not in t])
        return tpl.format(obj=obj, p=p, v=v)
    bg = rng.choice(BACKGROUND_PHRASES).format(attrs['background'])
    tpl = rng.choice([t for t in TEMPLATES if 'bg' in t])
    return tpl.format(obj=obj, p=p, v=v, bg=bg, bg_cap=bg[0].upper() + bg[1:])


def normalise(text):
    return ' '.join(text.lower().replace(',', ' , ').split())


README_PROMPT = 'a red ball bouncing on a blue background'


def _balanced(n, seed, first=(), blocked=()):
    """n prompts with their attributes cycling through every motion, shape and count."""
    rng = random.Random(seed)
    out = list(first)
    seen = {normalise(t) for t, _ in out} | {normalise(t) for t in blocked}
    i = 0
    while len(out) < n:
        a = sample_attributes(rng)
        a['motion'] = MOTIONS[i % len(MOTIONS)]
        a['shape'] = SHAPES[i % len(SHAPES)]
        a['count'] = COUNTS[(i // 3) % len(COUNTS)]
        if a['count'] == 3 or (a['count'] == 2 and a['motion'] == 'growing'):
            a['size'] = 'small'
        a['mention_background'] = True
        i += 1
        text = caption(a, rng)
        if normalise(text) in seen:
            continue
        seen.add(normalise(text))
        out.append((text, a))
    return out


def held_out_prompts(n=24, seed=1234):
    """The fixed evaluation prompts with their attributes: every motion, shape and count appears;
    the README's prompt is one of them. Training rejects these captions verbatim."""
    readme = (README_PROMPT, {'count': 1, 'shape': 'circle', 'colour': 'red', 'size': 'large', 'motion': 'bouncing',
                              'background': 'blue', 'mention_size': False, 'mention_background': True})
    return _balanced(n, seed, first=[readme])


def validation_prompts(n=24, seed=4321):
    """Prompts built like the held-out ones but none of them: for choices made after training
    (which model to keep), so that the held-out prompts stay a test."""
    return _balanced(n, seed, blocked=[t for t, _ in held_out_prompts()])


class CaptionSampler:
    """Random (caption, attributes) pairs for training, never one of the held-out prompts."""

    def __init__(self, seed, held_out=None):
        self.rng = random.Random(seed)
        self.blocked = {normalise(t) for t, _ in (held_out if held_out is not None else held_out_prompts())}

    def __call__(self):
        while True:
            a = sample_attributes(self.rng)
            text = caption(a, self.rng)
            if normalise(text) not in self.blocked:
                return text, a
