"""The attribute space of the synthetic clips and the palettes the detector names colours by.
Colours are sRGB 0..255; objects and backgrounds draw from separate palettes so that a clip's
object always stands out from its background."""

SHAPES = ('circle', 'square', 'triangle')
MOTIONS = ('left', 'right', 'up', 'down', 'bouncing', 'growing', 'still')
SIZES = ('small', 'large')
COUNTS = (1, 2, 3)

OBJECT_COLOURS = {
    'red': (220, 40, 40),
    'green': (40, 190, 60),
    'blue': (50, 90, 235),
    'yellow': (240, 220, 40),
    'orange': (245, 140, 30),
    'purple': (150, 60, 210),
    'white': (245, 245, 245),
    'pink': (250, 120, 190),
}

BACKGROUND_COLOURS = {
    'black': (16, 16, 20),
    'white': (232, 232, 228),
    'gray': (120, 120, 124),
    'blue': (30, 50, 140),
    'green': (30, 95, 45),
    'brown': (110, 75, 45),
}

# object colour names that do not stand out enough from a background colour
_CLASH = {
    'black': (),
    'white': ('white', 'yellow'),
    'gray': ('white',),
    'blue': ('blue', 'purple'),
    'green': ('green',),
    'brown': ('orange', 'red'),
}


def compatible(colour, background):
    return colour not in _CLASH[background]


def size_radius(size):
    """Nominal object radius in pixels at 128 px (scaled with the frame) as a (low, high) range."""
    return (9.0, 12.0) if size == 'small' else (16.0, 20.0)
