// SMS part counting (GSM 03.38 / UCS-2), matching Twilio's message segment calculator:
// one non-GSM character makes the whole message UCS-2; 160/70 units fit one part, longer texts
// are split greedily into 153/67-unit parts (6-octet UDH) without ever splitting a grapheme.
// Reference: docs/segments.md.

export type Encoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
  encoding: Encoding;
  /** Number of SMS parts; 1 for the empty text (as Twilio counts it). */
  parts: number;
  /** Graphemes in the text; a CRLF pair counts as 2 (Twilio counts it as two GSM characters). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the text, without UDH. */
  units: number;
  /** Capacity of each part: 160/70 for a single part, 153/67 when concatenated. */
  unitsPerPart: number;
  /** The text split into parts; `segments.join('') === text`. */
  segments: string[];
  /** Distinct graphemes that forced UCS-2, in order of first appearance; [] for GSM-7. */
  nonGsmCharacters: string[];
}

const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

// Per UTF-16 code unit class. One 64 KiB table makes the hot loop a single indexed load.
const MAY_JOIN = 0; // not GSM-7, and may combine with a neighbour into a longer grapheme
const GSM_BASIC = 1; // 1 septet
const GSM_EXT = 2; // escape + code: 2 septets
const NON_GSM_ALONE = 3; // not GSM-7, but always a grapheme by itself (no Intl.Segmenter needed)

const CLASS = new Uint8Array(0x10000);

// Non-GSM BMP ranges (half-open) whose characters never join a neighbour into one grapheme
// (no Extend, ZWJ, SpacingMark, Prepend or Hangul jamo): common UCS-2 texts skip segmentation.
// segments.test.ts checks every BMP code unit against Intl.Segmenter to keep this honest.
// Stryker disable next-line ArrayDeclaration: fast path only: the general path gives the same result for every text, slower.
const ALONE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x0300], // controls, Latin-1, Latin Extended, IPA, spacing modifiers
  [0x0370, 0x0483], // Greek, Cyrillic (before the Cyrillic combining marks)
  [0x048a, 0x0530], // Cyrillic, Cyrillic Supplement
  [0x2000, 0x200c], // spaces, ZWSP
  [0x200e, 0x2070], // punctuation: dashes, smart quotes, ellipsis, bidi controls
  [0x20a0, 0x20d0], // currency symbols (combining marks for symbols start at U+20D0)
  [0x3000, 0x302a], // CJK punctuation (U+302A.. are combining tone marks)
  [0x4e00, 0xa000], // CJK unified ideographs
  [0xac00, 0xd7a4], // precomposed Hangul syllables (LV/LVT never join each other)
  [0xff01, 0xff5f], // fullwidth ASCII variants
];
for (const [from, to] of ALONE_RANGES) CLASS.fill(NON_GSM_ALONE, from, to);

// GSM 03.38 default alphabet, as Unicode (docs/segments.md E.1). ESC (0x1B) is not a character.
const GSM_BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Extension table (ESC + code), incl. form feed.
const GSM_EXT_CHARS = '\f^{}\\[~]|€';
for (let i = 0; i < GSM_BASIC_CHARS.length; i++) CLASS[GSM_BASIC_CHARS.charCodeAt(i)] = GSM_BASIC;
for (let i = 0; i < GSM_EXT_CHARS.length; i++) CLASS[GSM_EXT_CHARS.charCodeAt(i)] = GSM_EXT;

// Creating a segmenter is costly; one shared instance (grapheme rules are locale-independent).
let graphemeSegmenter: Intl.Segmenter | undefined;
function segmenter(): Intl.Segmenter {
  // Stryker disable next-line ObjectLiteral: grapheme is also the default; named for the reader.
  return (graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }));
}

/** True if the whole text can be sent in GSM-7 (basic alphabet + extension table). */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const k = CLASS[text.charCodeAt(i)];
    if (k !== GSM_BASIC && k !== GSM_EXT) return false;
  }
  return true;
}

export function countSegments(text: string): SegmentInfo {
  let septets = 0;
  let gsm = true;
  // Stryker disable next-line BooleanLiteral: fast path only: the general path gives the same result for every text, slower.
  let alone = true; // every code unit is its own grapheme
  for (let i = 0; i < text.length; i++) {
    const k = CLASS[text.charCodeAt(i)]!;
    if (k === GSM_BASIC || k === GSM_EXT) septets += k;
    else {
      gsm = false;
      // Stryker disable next-line ConditionalExpression: fast path only: the general path gives the same result for every text, slower.
      if (k === MAY_JOIN) {
        alone = false;
        break;
      }
    }
  }
  if (gsm) return gsm7(text, septets);
  // Stryker disable next-line ConditionalExpression: fast path only: the general path gives the same result for every text, slower.
  return alone ? ucs2PerCodeUnit(text) : ucs2Graphemes(text);
}

// One object shape for every result (keeps call sites monomorphic).
function result(
  encoding: Encoding,
  characters: number,
  units: number,
  segments: string[],
  nonGsmCharacters: string[],
): SegmentInfo {
  const single = segments.length === 1;
  const unitsPerPart =
    encoding === 'GSM-7' ? (single ? GSM_SINGLE : GSM_MULTI) : single ? UCS2_SINGLE : UCS2_MULTI;
  return { encoding, parts: segments.length, characters, units, unitsPerPart, segments, nonGsmCharacters };
}

// Every GSM-7 character is one BMP code unit that never combines (CRLF is counted as two, like
// Twilio), so code units are graphemes here and no segmenter is needed.
function gsm7(text: string, septets: number): SegmentInfo {
  if (septets <= GSM_SINGLE) return result('GSM-7', text.length, septets, [text], []);
  const segments: string[] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = CLASS[text.charCodeAt(i)]!;
    // An extension character never straddles a boundary: it moves whole to the next part.
    if (used + cost > GSM_MULTI) {
      segments.push(text.slice(start, i));
      start = i;
      used = 0;
    }
    used += cost;
  }
  segments.push(text.slice(start));
  return result('GSM-7', text.length, septets, segments, []);
}

// UCS-2 where no code unit can join another (no surrogates, no marks): fixed-width slicing.
function ucs2PerCodeUnit(text: string): SegmentInfo {
  const nonGsm = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const k = CLASS[text.charCodeAt(i)];
    if (k !== GSM_BASIC && k !== GSM_EXT) nonGsm.add(text[i]!);
  }
  const n = text.length;
  if (n <= UCS2_SINGLE) return result('UCS-2', n, n, [text], [...nonGsm]);
  const segments: string[] = [];
  for (let i = 0; i < n; i += UCS2_MULTI) segments.push(text.slice(i, i + UCS2_MULTI));
  return result('UCS-2', n, n, segments, [...nonGsm]);
}

// Past the end charCodeAt is NaN, whose class is undefined: no bounds check needed.
function mayJoin(text: string, i: number): boolean {
  return CLASS[text.charCodeAt(i)] === MAY_JOIN;
}

function isGsmGrapheme(g: string): boolean {
  if (g.length !== 1) return false;
  const k = CLASS[g.charCodeAt(0)];
  return k === GSM_BASIC || k === GSM_EXT;
}

// General UCS-2: grapheme boundaries, each grapheme costing its UTF-16 length. Two "alone"
// characters never join, so Intl.Segmenter only runs on the stretches around joining characters
// (emoji, marks, jamo), with one alone neighbour on each side as context: a mostly-Latin text
// with a few emoji costs a few short segmentations instead of one object per grapheme.
function ucs2Graphemes(text: string): SegmentInfo {
  const n = text.length;
  const starts: number[] = [];
  const nonGsm = new Set<string>();
  let characters = 0;
  let i = 0;
  while (i < n) {
    // Stryker disable next-line ConditionalExpression,BlockStatement: fast path only: the general path gives the same result for every text, slower (all through Intl.Segmenter).
    if (!mayJoin(text, i) && !mayJoin(text, i + 1)) {
      starts.push(i);
      characters++;
      const k = CLASS[text.charCodeAt(i)];
      if (k !== GSM_BASIC && k !== GSM_EXT) nonGsm.add(text[i]!);
      i++;
      continue;
    }
    // Stretch: joining characters plus alone characters followed by one, then one more as context.
    // (mayJoin is false past the end, and slice stops there, so no bounds checks.)
    let end = i + 1;
    while (mayJoin(text, end) || mayJoin(text, end + 1)) end++;
    end++;
    // No stretch holds a CRLF: CR neither joins nor is followed by a joining LF, so it can only
    // be a stretch's last character. CR and LF thus stay two characters, as Twilio counts them.
    for (const { segment, index } of segmenter().segment(text.slice(i, end))) {
      starts.push(i + index);
      characters++;
      if (!isGsmGrapheme(segment)) nonGsm.add(segment);
    }
    i = end;
  }
  if (n <= UCS2_SINGLE) return result('UCS-2', characters, n, [text], [...nonGsm]);

  const segments: string[] = [];
  let partStart = 0;
  starts.push(n);
  for (let g = 0; g + 1 < starts.length; g++) {
    const from = starts[g]!;
    const to = starts[g + 1]!;
    if (to - partStart <= UCS2_MULTI) continue; // grapheme still fits the current part
    if (from > partStart) {
      segments.push(text.slice(partStart, from));
      partStart = from;
    }
    // The grapheme now starts a part. One longer than a whole part (e.g. stacked combining
    // marks) cannot stay whole: cut it between code points (the string iterator keeps surrogate
    // pairs together) so no part exceeds 67 units. Shorter ones fit and are not cut.
    let i = from;
    for (const codePoint of text.slice(from, to)) {
      if (i + codePoint.length - partStart > UCS2_MULTI) {
        segments.push(text.slice(partStart, i));
        partStart = i;
      }
      i += codePoint.length;
    }
  }
  segments.push(text.slice(partStart));
  return result('UCS-2', characters, n, segments, [...nonGsm]);
}
