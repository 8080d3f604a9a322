"""Synthetic captioned clips: attributes, captions, rendering, tokenizer."""
