// Wan2.1's prompt cleaning (spec/wan21.md §6.4, `clean='whitespace'`): ftfy.fix_text, HTML-unescape
// twice, strip, collapse whitespace runs to one space, strip.
//
// fixText implements the subset of ftfy 6's default fixes that changes ordinary prompts:
//   - terminal escape sequences removed (ESC [ ... letter)
//   - line breaks unified: \r\n, \r, U+2028, U+2029, U+0085 -> \n
//   - Latin ligatures split (U+FB00-FB06, Ĳ ĳ Ŀ ŀ ŉ, Ǆ-ǌ, Ǳ-ǳ) via NFKC on those characters
//   - character width: fullwidth ASCII and symbols (U+FF01-FF60, U+FFE0-FFE6) -> halfwidth, U+3000 -> space,
//     halfwidth katakana/hangul/symbols (U+FF61-FFEE) -> their normal forms, all via NFKC on those ranges
//   - curly quotes straightened: U+02BC, U+2018-201B -> ', U+201C-201F -> "
//   - control characters removed (C0 except \t \n \f \r, DEL, U+206A-206F, U+FEFF, U+FFF9-FFFC)
//   - NFC normalisation
// Not implemented: ftfy's mojibake repair (re-decoding text that went through the wrong codec, C1
// controls as Windows-1252) — prompts typed or pasted by a user are valid Unicode already.
//
// htmlUnescape follows Python's html.unescape for numeric references (including its Windows-1252
// mapping of &#128;-&#159; and U+FFFD for invalid code points) and for the named entities listed in
// NAMED below (the common ones; an unknown name is left as written, as Python does).

const NFKC_RANGES = /[\uFB00-\uFB06\u0132\u0133\u013F\u0140\u0149\u01C4-\u01CC\u01F1-\u01F3\uFF01-\uFF60\uFF61-\uFFEE]/g;
const TERMINAL_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;
const CONTROL = /[\x00-\x08\x0B\x0E-\x1F\x7F\u206A-\u206F\uFEFF\uFFF9-\uFFFC]/g;

export function fixText(text: string): string {
  let s = text.replace(TERMINAL_ESCAPE, '');
  s = s.replace(/\r\n|[\r\u2028\u2029\u0085]/g, '\n');
  s = s.replace(NFKC_RANGES, (ch) => ch.normalize('NFKC'));
  s = s.replace(/\u3000/g, ' ');
  s = s.replace(/[\u02BC\u2018-\u201B]/g, "'").replace(/[\u201C-\u201F]/g, '"');
  s = s.replace(CONTROL, '');
  return s.normalize('NFC');
}

// Python's html module maps these numeric references like Windows-1252 (HTML5 rule).
const CP1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
  0x00: 0xfffd, 0x0d: 0x000d,
};

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '\u00a9', reg: '\u00ae',
  trade: '\u2122', hellip: '\u2026', mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018', rsquo: '\u2019',
  ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb', middot: '\u00b7', bull: '\u2022',
  deg: '\u00b0', times: '\u00d7', divide: '\u00f7', plusmn: '\u00b1', euro: '\u20ac', pound: '\u00a3',
  yen: '\u00a5', cent: '\u00a2', sect: '\u00a7', para: '\u00b6', shy: '\u00ad', iexcl: '\u00a1',
  iquest: '\u00bf', eacute: '\u00e9', egrave: '\u00e8', aacute: '\u00e1', agrave: '\u00e0',
  ccedil: '\u00e7', uuml: '\u00fc', ouml: '\u00f6', auml: '\u00e4', szlig: '\u00df', ntilde: '\u00f1',
  hearts: '\u2665', larr: '\u2190', rarr: '\u2192', uarr: '\u2191', darr: '\u2193', tab: '\t',
  newline: '\n',
};
// Names Python also accepts without the trailing semicolon (legacy HTML4 entities).
const NO_SEMICOLON = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

// Python drops references to C0/C1 controls and non-characters.
function isInvalidCodePoint(cp: number): boolean {
  return (cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

function numericEntity(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const cp = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
  if (cp in CP1252) return String.fromCodePoint(CP1252[cp]!);
  if (!Number.isFinite(cp) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(cp)) return '';
  return String.fromCodePoint(cp);
}

export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)/g, (m, body: string) => {
    if (body.startsWith('#')) return numericEntity(body.replace(/;$/, ''));
    const semicolon = body.endsWith(';');
    const name = semicolon ? body.slice(0, -1) : body;
    if (semicolon && name in NAMED) return NAMED[name]!;
    if (!semicolon && NO_SEMICOLON.has(name)) return NAMED[name]!;
    // Python matches the longest legacy prefix, e.g. "&ampx" -> "&x".
    for (const legacy of NO_SEMICOLON) {
      if (name.startsWith(legacy)) return NAMED[legacy]! + body.slice(legacy.length);
    }
    return m;
  });
}

// Python's str.isspace() set, which `\s` matches in Wan's re.sub (JS `\s` differs slightly).
const WHITESPACE_RUN = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** The full cleaning Wan applies before tokenising a prompt. */
export function cleanPrompt(text: string): string {
  let s = fixText(text);
  s = htmlUnescape(htmlUnescape(s));
  return s.replace(WHITESPACE_RUN, ' ').trim();
}
