import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countSegments, isGsm7, type Encoding, type SegmentInfo } from './segments.js';

// Independent GSM 03.38 listing (docs/segments.md E.1) for cost checks: char -> septets.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '\f^{}\\[~]|€';
const SEPTETS = new Map<string, number>([
  ...[...GSM_BASIC].map((c) => [c, 1] as const),
  ...[...GSM_EXT].map((c) => [c, 2] as const),
]);

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Graphemes as the Twilio calculator sees them: CRLF split into CR and LF. */
function graphemes(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of graphemeSegmenter.segment(text)) {
    if (segment === '\r\n') out.push('\r', '\n');
    else out.push(segment);
  }
  return out;
}

/** Units a piece of text costs in the given encoding. */
function cost(text: string, encoding: Encoding): number {
  if (encoding === 'UCS-2') return text.length;
  let n = 0;
  for (const c of text) {
    const s = SEPTETS.get(c);
    assert.ok(s !== undefined, `non-GSM char ${JSON.stringify(c)} in a GSM-7 segment`);
    n += s;
  }
  return n;
}

/**
 * Reference model of the Twilio calculator, bit by bit: 1120-bit segments, 7 bits per septet or
 * 16 per UTF-16 unit, graphemes appended while they fit; when a second segment is needed the
 * 48-bit UDH is added to the first one and its overflow moves to the next.
 */
function twilioModel(text: string): { encoding: Encoding; segments: string[] } {
  const gs = graphemes(text);
  const encoding: Encoding = gs.every((g) => g.length === 1 && SEPTETS.has(g)) ? 'GSM-7' : 'UCS-2';
  const bits = (g: string) => (encoding === 'GSM-7' ? 7 * SEPTETS.get(g)! : 16 * g.length);
  type Seg = { header: boolean; chars: string[]; bits: number };
  const segs: Seg[] = [{ header: false, chars: [], bits: 0 }];
  for (const g of gs) {
    let cur = segs[segs.length - 1]!;
    if (1120 - cur.bits < bits(g)) {
      const next: Seg = { header: true, chars: [], bits: 48 };
      const prev = cur;
      segs.push(next);
      cur = next;
      if (!prev.header) {
        prev.header = true;
        prev.bits += 48;
        const moved: string[] = [];
        while (prev.bits > 1120) {
          const c = prev.chars.pop()!;
          prev.bits -= bits(c);
          moved.unshift(c);
        }
        for (const c of moved) {
          cur.chars.push(c);
          cur.bits += bits(c);
        }
      }
    }
    cur.chars.push(g);
    cur.bits += bits(g);
  }
  return { encoding, segments: segs.map((s) => s.chars.join('')) };
}

/** Invariants every result must satisfy. */
function checkInvariants(text: string, r: SegmentInfo): void {
  assert.equal(r.segments.join(''), text, 'segments joined equal the input');
  assert.equal(r.parts, r.segments.length);
  assert.equal(r.unitsPerPart, r.encoding === 'GSM-7' ? (r.parts === 1 ? 160 : 153) : r.parts === 1 ? 70 : 67);
  let total = 0;
  for (const s of r.segments) {
    const c = cost(s, r.encoding);
    assert.ok(c <= r.unitsPerPart, `segment of ${c} units exceeds ${r.unitsPerPart}`);
    if (r.parts > 1) assert.ok(s.length > 0, 'no empty parts');
    // Never cut inside a surrogate pair.
    assert.ok(!/^[\uDC00-\uDFFF]/.test(s) && !/[\uD800-\uDBFF]$/.test(s), 'surrogate pair split');
    total += c;
  }
  assert.equal(r.units, total);
  assert.equal(r.characters, graphemes(text).length);
  assert.equal(isGsm7(text), r.encoding === 'GSM-7');
  if (r.encoding === 'GSM-7') assert.deepEqual(r.nonGsmCharacters, []);
  else assert.ok(r.nonGsmCharacters.length > 0);
}

const a = (n: number) => 'a'.repeat(n);
const FAMILY = '👨‍👩‍👧‍👦'; // 11 UTF-16 units, one grapheme
const FLAG = '🇸🇪'; // 4 units
const SMILE = '😀'; // surrogate pair

interface Case {
  name: string;
  text: string;
  encoding: Encoding;
  parts: number;
  units: number;
  characters?: number;
  /** Expected unit cost of each segment. */
  split?: number[];
  nonGsm?: string[];
}

const cases: Case[] = [
  { name: 'empty text is one part', text: '', encoding: 'GSM-7', parts: 1, units: 0, characters: 0, split: [0] },
  { name: 'exactly 160 GSM', text: a(160), encoding: 'GSM-7', parts: 1, units: 160, split: [160] },
  { name: '161 GSM: 153 + 8', text: a(161), encoding: 'GSM-7', parts: 2, units: 161, split: [153, 8] },
  { name: '306 GSM: 2 full parts', text: a(306), encoding: 'GSM-7', parts: 2, units: 306, split: [153, 153] },
  { name: '307 GSM: 3 parts', text: a(307), encoding: 'GSM-7', parts: 3, units: 307, split: [153, 153, 1] },
  { name: '159 + € = 161 septets', text: a(159) + '€', encoding: 'GSM-7', parts: 2, units: 161, split: [153, 8] },
  { name: '158 + € = 160 septets', text: a(158) + '€', encoding: 'GSM-7', parts: 1, units: 160, characters: 159 },
  {
    name: '€ at septets 153/154 moves to the next part',
    text: a(152) + '€' + a(10),
    encoding: 'GSM-7',
    parts: 2,
    units: 164,
    split: [152, 12],
  },
  { name: '€ ending exactly at 153', text: a(151) + '€' + a(10), encoding: 'GSM-7', parts: 2, units: 163, split: [153, 10] },
  {
    name: 'extension chars at every boundary',
    text: '{'.repeat(200),
    encoding: 'GSM-7',
    parts: 3,
    units: 400,
    split: [152, 152, 96],
  },
  { name: 'extension table costs 2 each', text: '{}[]~\\|^€', encoding: 'GSM-7', parts: 1, units: 18, characters: 9 },
  { name: 'form feed is an extension char', text: '\f', encoding: 'GSM-7', parts: 1, units: 2 },
  { name: '$@£¥ are basic chars', text: '$@£¥', encoding: 'GSM-7', parts: 1, units: 4 },
  { name: '¤ § ¿ ¡ Ç basic', text: '¤§¿¡Ç', encoding: 'GSM-7', parts: 1, units: 5 },
  { name: 'Greek capitals in GSM', text: 'ΔΦΓΛΩΠΨΣΘΞ', encoding: 'GSM-7', parts: 1, units: 10 },
  { name: 'lowercase greek is not GSM', text: 'Hi αβγ', encoding: 'UCS-2', parts: 1, units: 6, nonGsm: ['α', 'β', 'γ'] },
  { name: 'Greek capital Alpha (not Latin A) is not GSM', text: 'Α', encoding: 'UCS-2', parts: 1, units: 1, nonGsm: ['Α'] },
  { name: 'lowercase ç is not GSM', text: 'ça va', encoding: 'UCS-2', parts: 1, units: 5, nonGsm: ['ç'] },
  { name: 'backtick forces UCS-2', text: 'run `ls`', encoding: 'UCS-2', parts: 1, units: 8, nonGsm: ['`'] },
  { name: 'smart apostrophe forces UCS-2', text: 'It’s here', encoding: 'UCS-2', parts: 1, units: 9, nonGsm: ['’'] },
  { name: 'smart quotes, distinct, in order', text: '“a” “b”', encoding: 'UCS-2', parts: 1, units: 7, nonGsm: ['“', '”'] },
  { name: 'exactly 70 UCS-2', text: '’' + a(69), encoding: 'UCS-2', parts: 1, units: 70, split: [70] },
  { name: '71 UCS-2: 67 + 4', text: '’' + a(70), encoding: 'UCS-2', parts: 2, units: 71, split: [67, 4] },
  { name: '134 UCS-2: 2 full parts', text: '’' + a(133), encoding: 'UCS-2', parts: 2, units: 134, split: [67, 67] },
  { name: '135 UCS-2: 3 parts', text: '’' + a(134), encoding: 'UCS-2', parts: 3, units: 135, split: [67, 67, 1] },
  { name: 'GSM chars cost 1 unit in UCS-2, € too', text: '’€{', encoding: 'UCS-2', parts: 1, units: 3 },
  { name: 'CJK text', text: '你好世界', encoding: 'UCS-2', parts: 1, units: 4, characters: 4 },
  { name: 'emoji is a surrogate pair (2 units)', text: SMILE, encoding: 'UCS-2', parts: 1, units: 2, characters: 1 },
  { name: '35 emoji = 70 units', text: SMILE.repeat(35), encoding: 'UCS-2', parts: 1, units: 70, characters: 35 },
  {
    name: 'emoji at units 67/68 moves whole',
    text: a(66) + SMILE + a(10),
    encoding: 'UCS-2',
    parts: 2,
    units: 78,
    split: [66, 12],
  },
  { name: 'emoji ending exactly at 67', text: a(65) + SMILE + a(10), encoding: 'UCS-2', parts: 2, units: 77, split: [67, 10] },
  { name: 'ZWJ family is one character', text: FAMILY, encoding: 'UCS-2', parts: 1, units: 11, characters: 1, nonGsm: [FAMILY] },
  { name: 'ZWJ family stays whole at a boundary', text: a(60) + FAMILY + a(10), encoding: 'UCS-2', parts: 2, units: 81, split: [60, 21] },
  { name: 'flag is one character', text: FLAG, encoding: 'UCS-2', parts: 1, units: 4, characters: 1 },
  { name: 'flag stays whole at a boundary', text: a(65) + FLAG + a(5), encoding: 'UCS-2', parts: 2, units: 74, split: [65, 9] },
  {
    name: 'combining accent makes a GSM letter UCS-2',
    text: 'cafe\u0301',
    encoding: 'UCS-2',
    parts: 1,
    units: 5,
    characters: 4,
    nonGsm: ['e\u0301'],
  },
  { name: 'precomposed é stays GSM', text: 'café', encoding: 'GSM-7', parts: 1, units: 4 },
  {
    name: 'combining sequence stays whole at a boundary',
    text: a(66) + 'e\u0301' + a(5),
    encoding: 'UCS-2',
    parts: 2,
    units: 73,
    split: [66, 7],
  },
  { name: 'CRLF counts 2 in GSM', text: 'Hi\r\nthere', encoding: 'GSM-7', parts: 1, units: 9, characters: 9 },
  { name: 'CRLF counts 2 in UCS-2', text: SMILE + '\r\n', encoding: 'UCS-2', parts: 1, units: 4, characters: 3 },
  // Twilio treats CRLF as two characters, so CR and LF may land in different parts.
  { name: 'CRLF at the GSM boundary', text: a(152) + '\r\n' + a(10), encoding: 'GSM-7', parts: 2, units: 164, split: [153, 11] },
  {
    name: 'grapheme longer than a part is cut between code points',
    text: 'a' + '\u0301'.repeat(100),
    encoding: 'UCS-2',
    parts: 2,
    units: 101,
    characters: 1,
    split: [67, 34],
  },
  {
    name: 'grapheme longer than a part, of astral marks, is cut between code points, never inside a pair',
    text: 'a\u0301' + '\u{101FD}'.repeat(40),
    encoding: 'UCS-2',
    parts: 2,
    units: 82,
    characters: 1,
    split: [66, 16],
  },
  { name: 'lone surrogate costs 1 unit', text: '\uD83Dx', encoding: 'UCS-2', parts: 1, units: 2 },
  {
    name: 'long mixed GSM text',
    text: ('Hello {name}, your code is [1234] ~ €5 off! @shop_ΔΣ\n').repeat(8),
    encoding: 'GSM-7',
    parts: 4,
    units: 472,
  },
  {
    name: 'long mixed UCS-2 text',
    text: ('Olá ' + SMILE + ' ' + FLAG + ' “quoted” ' + FAMILY + ' 你好 e\u0301\r\n').repeat(6),
    encoding: 'UCS-2',
    parts: 4,
    units: 6 * 40,
  },
];

describe('countSegments: table', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = countSegments(c.text);
      assert.equal(r.encoding, c.encoding);
      assert.equal(r.parts, c.parts);
      assert.equal(r.units, c.units);
      if (c.characters !== undefined) assert.equal(r.characters, c.characters);
      if (c.split) assert.deepEqual(r.segments.map((s) => cost(s, r.encoding)), c.split);
      if (c.nonGsm) assert.deepEqual(r.nonGsmCharacters, c.nonGsm);
      checkInvariants(c.text, r);
      // Twilio's calculator splits identically (the oversized grapheme is the one deliberate exception).
      if (!c.name.startsWith('grapheme longer')) {
        const m = twilioModel(c.text);
        assert.equal(r.encoding, m.encoding);
        assert.deepEqual(r.segments, m.segments);
      }
    });
  }
});

describe('countSegments: agrees with the Twilio model on random texts', () => {
  // Deterministic PRNG (mulberry32) so failures reproduce.
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const gsmPool = [...GSM_BASIC, ...GSM_EXT, '\r\n', ' ', ' ', 'e', 'a'];
  const otherPool = [
    ...['’', '“', 'ç', '`', 'α', 'Я', '你', '가', '\u00a0', 'ก', 'ำ'],
    ...[SMILE, FLAG, FAMILY, '👍🏽', '🇺🇸', '🇺', '#️⃣', '©️', '‼'],
    // joining pieces: combining mark, ZWJ, variation selector, jamo L/V/T, prepend, virama conjunct
    ...['e\u0301', '\u0301', '\u200d', '\ufe0f', '\u1100', '\u1161', '\u11a8', '\u0600', 'क्षि', '\r', '\n'],
  ];

  for (const [label, pNonGsm] of [
    ['GSM-7', 0],
    ['rare non-GSM', 0.005],
    ['mixed', 0.2],
    ['dense', 0.7],
  ] as const) {
    it(label, () => {
      const next = rng(label.length * 7919);
      for (let t = 0; t < 400; t++) {
        const len = Math.floor(next() * 420);
        let text = '';
        for (let i = 0; i < len; i++) {
          const pool = next() < pNonGsm ? otherPool : gsmPool;
          text += pool[Math.floor(next() * pool.length)]!;
        }
        const r = countSegments(text);
        checkInvariants(text, r);
        const m = twilioModel(text);
        assert.equal(r.encoding, m.encoding, JSON.stringify(text));
        assert.deepEqual(r.segments, m.segments, JSON.stringify(text));
      }
    });
  }
});

describe('countSegments: grapheme fast path', () => {
  it('matches Intl.Segmenter for every BMP code unit in joining contexts', () => {
    // The fast path assumes some characters never join a neighbour. Checked against ICU for
    // every code unit: doubled (regional indicators, jamo), after and before a letter (marks,
    // ZWJ, prepend) and around a Hangul syllable (jamo L/V/T rules).
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const x = String.fromCharCode(c);
      const text = x + x + 'a' + x + '\uAC00' + x;
      const got = countSegments(text).characters;
      const want = graphemes(text).length;
      if (got !== want) assert.fail(`U+${c.toString(16)} in ${JSON.stringify(text)}: ${got} != ${want}`);
    }
  });
});

describe('countSegments: the characters that forced UCS-2', () => {
  // Shown to senders so they can edit them out; GSM characters, extension ones included, are
  // never blamed, whether or not the text needed grapheme segmentation.
  it('lists only non-GSM characters, each once, in order of first appearance', () => {
    assert.deepEqual(countSegments('5€ {a} “b” 5€ “c”').nonGsmCharacters, ['“', '”']);
    assert.deepEqual(countSegments('5€ {a} ' + SMILE + ' [b] ' + SMILE).nonGsmCharacters, [SMILE]);
    assert.deepEqual(countSegments('“a” 5€ ' + SMILE + ' “a”').nonGsmCharacters, ['“', '”', SMILE]);
    assert.deepEqual(countSegments('€' + SMILE + '{\r\n' + FLAG + '|').nonGsmCharacters, [SMILE, FLAG]);
  });
});

describe('isGsm7', () => {
  it('accepts the basic and extension tables', () => {
    assert.ok(isGsm7(GSM_BASIC + GSM_EXT));
    assert.ok(isGsm7(''));
  });
  it('rejects look-alikes and anything outside GSM 03.38', () => {
    for (const c of ['`', '’', '“', 'ç', 'α', 'Α', SMILE, 'e\u0301', '\t', '\u00a0', '\u001b']) {
      assert.equal(isGsm7(c), false, JSON.stringify(c));
    }
  });
});
