"""Image-analysis detector: does a clip show the colour, shape, count and motion its caption
names? Standard library only (and ffmpeg to decode), so CI needs nothing else."""
from .detector import analyse, check, read_clip
from .prompt import parse_prompt
