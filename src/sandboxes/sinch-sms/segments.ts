// Part counting for dry runs and max_number_of_message_parts (docs/segments.md E.1, E.2):
// GSM-7 160/153 septets with extension characters costing 2, otherwise UCS-2 70/67 code units.
// A character (extension pair, surrogate pair) never straddles two parts.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC.replace('\u001b', ''));
const EXTENSION = new Set(GSM_EXTENSION);

export type SmsEncoding = 'GSM' | 'UNICODE';

export interface PartCount {
  parts: number;
  encoding: SmsEncoding;
}

function isGsm(text: string): boolean {
  for (const ch of text) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

/** Fills parts of `limit` units greedily; `cost` gives each code point's size. */
function fill(chars: string[], cost: (ch: string) => number, limit: number): number {
  let parts = 1;
  let used = 0;
  for (const ch of chars) {
    const c = cost(ch);
    if (used + c > limit) {
      parts += 1;
      used = 0;
    }
    used += c;
  }
  return parts;
}

export function countParts(text: string): PartCount {
  const chars = [...text];
  const gsm = isGsm(text);
  const cost = gsm ? (ch: string) => (EXTENSION.has(ch) ? 2 : 1) : (ch: string) => ch.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const total = chars.reduce((sum, ch) => sum + cost(ch), 0);
  const parts = total <= single ? 1 : fill(chars, cost, multi);
  return { parts, encoding: gsm ? 'GSM' : 'UNICODE' };
}
