"""Word-level tokenizer of the synthetic captions, written as a Hugging Face tokenizer.json
(WordLevel, Lowercase, Whitespace pre-tokenizer, </s> appended) that the app's tokenizer reads.
umT5's special ids are kept: <pad> = 0, </s> = 1, <unk> = 2."""
import json
import re

from .attributes import BACKGROUND_COLOURS, OBJECT_COLOURS
from .captions import (BACKGROUND_PHRASES, COUNT_WORDS, MOTION_PHRASES, SHAPE_NOUNS, SIZE_WORDS, TEMPLATES)

SPECIAL = ('<pad>', '</s>', '<unk>')
PAD, EOS, UNK = 0, 1, 2
_SPLIT = re.compile(r'\w+|[^\w\s]+')   # the Whitespace pre-tokenizer's pattern


def split(text):
    return _SPLIT.findall(' '.join(text.lower().split()))


def vocabulary():
    """Every word a caption can contain, in a stable order."""
    texts = list(TEMPLATES) + list(BACKGROUND_PHRASES)
    texts += [w for forms in COUNT_WORDS.values() for w in forms]
    texts += [w for forms in SIZE_WORDS.values() for w in forms]
    texts += [w for nouns in SHAPE_NOUNS.values() for pair in nouns for w in pair]
    texts += [w for phrases in MOTION_PHRASES.values() for forms in phrases for w in forms]
    texts += list(OBJECT_COLOURS) + list(BACKGROUND_COLOURS)
    words = []
    for t in texts:
        for w in split(t.replace('{', ' ').replace('}', ' ').replace('bg_cap', '').replace('obj', '')
                       .replace('bg', '')):
            if w not in words and w not in ('p', 'v'):
                words.append(w)
    return words


class WordTokenizer:
    def __init__(self, words=None):
        self.words = list(words or vocabulary())
        self.vocab = {t: i for i, t in enumerate(SPECIAL)}
        for w in self.words:
            self.vocab.setdefault(w, len(self.vocab))

    def __len__(self):
        return len(self.vocab)

    def encode(self, text):
        """Token ids incl. the trailing </s>, no padding (what the engine receives)."""
        return [self.vocab.get(w, UNK) for w in split(text)] + [EOS]

    def batch(self, texts, length):
        """(ids [B, length], mask [B, length]) as nested lists, truncated keeping </s>."""
        ids, mask = [], []
        for t in texts:
            e = self.encode(t)
            e = e[:length - 1] + [EOS] if len(e) > length else e
            ids.append(e + [PAD] * (length - len(e)))
            mask.append([1] * len(e) + [0] * (length - len(e)))
        return ids, mask

    def to_json(self):
        added = [{'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                  'normalized': False, 'special': True} for i, t in enumerate(SPECIAL)]
        return {
            'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added,
            'normalizer': {'type': 'Lowercase'},
            'pre_tokenizer': {'type': 'Whitespace'},
            'post_processor': {
                'type': 'TemplateProcessing',
                'single': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                'pair': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 0}},
                         {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                'special_tokens': {'</s>': {'id': '</s>', 'ids': [EOS], 'tokens': ['</s>']}},
            },
            'decoder': None,
            'model': {'type': 'WordLevel', 'vocab': self.vocab, 'unk_token': '<unk>'},
        }

    def save(self, path):
        with open(path, 'w') as f:
            json.dump(self.to_json(), f, indent=1)
            f.write('\n')

    @staticmethod
    def load(path):
        with open(path) as f:
            vocab = json.load(f)['model']['vocab']
        tok = WordTokenizer([])
        tok.vocab = dict(vocab)
        tok.words = [w for w in sorted(vocab, key=vocab.get) if w not in SPECIAL]
        return tok
