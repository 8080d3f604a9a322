import { describe, expect, it } from 'vitest';
import { cleanPrompt, fixText, htmlUnescape } from './text-clean.js';

describe('fixText (ftfy subset)', () => {
  it('turns fullwidth punctuation and letters into ASCII', () => {
    expect(fixText('色调艳丽，过曝！ＡＢＣ１２３')).toBe('色调艳丽,过曝!ABC123');
  });
  it('maps the ideographic space to a space', () => {
    expect(fixText('a\u3000b')).toBe('a b');
  });
  it('straightens curly quotes', () => {
    expect(fixText('\u201cit\u2019s\u201d \u2018ok\u2019')).toBe('"it\'s" \'ok\'');
  });
  it('splits ligatures and removes control and terminal escape characters', () => {
    expect(fixText('\uFB01ne \x1b[31mred\x1b[0m\x07 \uFEFFx')).toBe('fine red x');
  });
  it('unifies line breaks and composes to NFC', () => {
    expect(fixText('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd');
    expect(fixText('e\u0301')).toBe('\u00e9');
  });
  it('keeps CJK and ordinary text unchanged', () => {
    const s = '一只红色的球 bouncing, "fast"';
    expect(fixText(s)).toBe(s);
  });
});

describe('htmlUnescape (Python html.unescape)', () => {
  it('decodes named and numeric references', () => {
    expect(htmlUnescape('a &amp; b &lt;c&gt; &#65;&#x42; &quot;q&quot;')).toBe('a & b <c> AB "q"');
  });
  it('follows the HTML5 rules for odd numeric references', () => {
    expect(htmlUnescape('&#128;&#0;&#xD800;&#1;')).toBe('\u20ac\ufffd\ufffd');
  });
  it('accepts legacy names without a semicolon and leaves unknown names alone', () => {
    expect(htmlUnescape('&amp &ampx &bogus; &')).toBe('& &x &bogus; &');
  });
});

describe('cleanPrompt', () => {
  it('unescapes twice, then collapses whitespace and strips', () => {
    expect(cleanPrompt('  a &amp;amp;\t\n b  ')).toBe('a & b');
  });
  it('cleans the official Chinese negative prompt the way ftfy does', () => {
    const raw = '色调艳丽，过曝，静态';
    expect(cleanPrompt(raw)).toBe('色调艳丽,过曝,静态');
  });
  it('treats Python whitespace (incl. NBSP and U+3000) as separators', () => {
    expect(cleanPrompt('a\u00a0\u00a0b\u2003c')).toBe('a b c');
  });
});
