// Link tracking: find the URLs in an SMS body, swap them for short tracked links, and tell real
// clicks from link-preview bots and prefetchers.
import { randomBytes } from 'node:crypto';

export interface FoundUrl {
  url: string;
  start: number;
  end: number;
}

// http(s) URLs up to whitespace or characters that never end a URL in running text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'{}|\\^`]+/giu;
// Punctuation that ends a sentence rather than the URL ("see https://x.io/a." → without the dot).
const TRAILING = /[.,;:!?)\]]+$/u;

export function findUrls(text: string): FoundUrl[] {
  const found: FoundUrl[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    let url = m[0];
    // Keep a closing parenthesis that belongs to the URL (Wikipedia-style links).
    const trailing = TRAILING.exec(url)?.[0] ?? '';
    if (trailing) {
      let cut = trailing.length;
      if (trailing.startsWith(')') && (url.match(/\(/g)?.length ?? 0) >= (url.match(/\)/g)?.length ?? 0)) cut = trailing.length - 1;
      url = url.slice(0, url.length - cut);
    }
    if (/^https?:\/\/[^/?#]+/i.test(url)) found.push({ url, start: m.index, end: m.index + url.length });
  }
  return found;
}

/** Replaces each URL with what `replace` returns for it (its position among the URLs given). */
export function replaceUrls(text: string, urls: FoundUrl[], replace: (url: string, index: number) => string): string {
  let out = '';
  let at = 0;
  urls.forEach((u, i) => {
    out += text.slice(at, u.start) + replace(u.url, i);
    at = u.end;
  });
  return out + text.slice(at);
}

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const LINK_CODE_LENGTH = 10;

/** 10 base-62 characters (59 bits): collisions stay unlikely across millions of links, and it costs few SMS characters. */
export function newLinkCode(): string {
  const bytes = randomBytes(LINK_CODE_LENGTH * 2);
  let code = '';
  for (let i = 0; code.length < LINK_CODE_LENGTH && i < bytes.length; i++) {
    // Rejection sampling keeps the alphabet uniform.
    const b = bytes[i]! & 63;
    if (b < CODE_ALPHABET.length) code += CODE_ALPHABET[b];
  }
  return code.length === LINK_CODE_LENGTH ? code : newLinkCode();
}

export function shortLink(publicUrl: string, code: string): string {
  return `${publicUrl}/l/${code}`;
}

// User agents of the services that fetch a link to preview it, and of crawlers. A click by a
// person comes from a browser; these come from servers, often seconds after the send.
const BOT_AGENTS =
  /bot\b|crawler|spider|preview|facebookexternalhit|facebot|slack|whatsapp|telegram|discord|skypeuripreview|linkedin|embedly|pinterest|vkshare|redditbot|applebot|google-?(?:bot|read-aloud|inspectiontool)|bingbot|yandex|baidu|duckduck|headless|curl\/|wget\/|python-requests|go-http-client|okhttp|java\/|libwww|httpclient|node-fetch|undici|axios/i;

/** True for requests that are not a person clicking: bots, previews, prefetches, HEAD checks. */
export function isAutomatedVisit(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  if (method !== 'GET') return true;
  const ua = String(headers['user-agent'] ?? '');
  if (!ua || BOT_AGENTS.test(ua)) return true;
  const purpose = String(headers['sec-purpose'] ?? headers['purpose'] ?? headers['x-purpose'] ?? headers['x-moz'] ?? '').toLowerCase();
  return purpose.includes('prefetch') || purpose.includes('preview');
}
