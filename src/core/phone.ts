// Phone numbers: parsing to E.164, normalising provider MSISDNs, and the countries without
// delivery reports (docs/events.md). Uses the "max" metadata: it validates number ranges and tells
// NANP territories apart (+1 671 Guam, +1 670 Northern Mariana Islands vs the US).
import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';

export type { CountryCode };

export type PhoneResult = { ok: true; e164: string; country: string | null } | { ok: false; reason: string };

/** ISO 3166-1 alpha-2 codes of the countries that give no delivery reports (docs/events.md). */
export const COUNTRIES_WITHOUT_DELIVERY_REPORTS: ReadonlySet<string> = new Set([
  'BD', // Bangladesh
  'BJ', // Benin
  'BR', // Brazil
  'BI', // Burundi
  'KH', // Cambodia
  'DE', // Germany
  'GP', // Guadeloupe
  'GU', // Guam
  'HK', // Hong Kong
  'ID', // Indonesia
  'KW', // Kuwait
  'MY', // Malaysia
  'MH', // Marshall Islands
  'MR', // Mauritania
  'MX', // Mexico
  'NR', // Nauru
  'MP', // Northern Mariana Islands
  'PK', // Pakistan
  'PA', // Panama
  'PG', // Papua New Guinea
  'PE', // Peru
  'WS', // Samoa
  'SB', // Solomon Islands
  'SS', // South Sudan
  'LK', // Sri Lanka
  'SD', // Sudan
  'TJ', // Tajikistan
  'TL', // Timor-Leste
  'TO', // Tonga
  'TV', // Tuvalu
  'UZ', // Uzbekistan
  'VE', // Venezuela
  'VN', // Vietnam
  'WF', // Wallis and Futuna
]);

// Digits (any script; libphonenumber maps them), separators people type, and a leading plus.
const ALLOWED = /^[+\uFF0B]?[\p{Nd}\s\-\u2010-\u2015()./]+$/u;
const SEPARATORS = /[\s\-\u2010-\u2015()./]/gu;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
function countryName(country: string | undefined, callingCode: string): string {
  if (!country) return `country code +${callingCode}`;
  return regionNames.of(country) ?? country;
}

/** Removes a "tel:" URI scheme and every separator; keeps digits and a leading plus. */
function clean(input: string): string {
  return input.trim().replace(/^tel:/i, '').replace(SEPARATORS, '');
}

/**
 * Parses a number typed by a user or sent in an API call. International format ("+46 70…")
 * always works; national format ("070…") needs `defaultCountry`. The reason of a rejection is
 * a sentence that can be shown to the user as is.
 */
export function parsePhone(input: string, defaultCountry?: CountryCode): PhoneResult {
  const raw = typeof input === 'string' ? input.trim().replace(/^tel:/i, '') : '';
  if (raw === '') return { ok: false, reason: 'Phone number is empty.' };
  if (!ALLOWED.test(raw)) {
    return {
      ok: false,
      reason: 'Phone number may only contain digits, spaces, dashes, dots, parentheses and a leading +.',
    };
  }
  let text = clean(raw);
  // Without a default country, a leading 00 can only be the international prefix (+).
  if (!defaultCountry && text.startsWith('00')) text = `+${text.slice(2)}`;
  const international = text.startsWith('+') || text.startsWith('\uFF0B');
  const options = { defaultCountry, extract: false } as const;
  const number = parsePhoneNumberFromString(text, options);
  if (!number) return { ok: false, reason: lengthReason(text, defaultCountry, international) };
  if (!number.isValid()) return { ok: false, reason: invalidReason(raw, number) };
  return { ok: true, e164: number.number, country: number.country ?? null };
}

function lengthReason(text: string, defaultCountry: CountryCode | undefined, international: boolean): string {
  const problem = validatePhoneNumberLength(text, { defaultCountry });
  switch (problem) {
    case 'INVALID_COUNTRY':
      return international
        ? 'Phone number has an unknown country code.'
        : 'Phone number must be in international format: a + and the country code, e.g. +46 70 123 45 67.';
    case 'TOO_SHORT':
      return 'Phone number is too short.';
    case 'TOO_LONG':
      return 'Phone number is too long.';
    default:
      return 'This is not a phone number.';
  }
}

function invalidReason(raw: string, number: PhoneNumber): string {
  const where = countryName(number.country, number.countryCallingCode);
  switch (validatePhoneNumberLength(number.number)) {
    case 'TOO_SHORT':
      return `Phone number is too short for ${where}.`;
    case 'TOO_LONG':
      return `Phone number is too long for ${where}.`;
    case 'INVALID_LENGTH':
      return `Phone number has the wrong number of digits for ${where}.`;
    default:
      return `${raw} is not a valid phone number for ${where}.`;
  }
}

/**
 * Normalises a number as providers send it in callbacks: "46700000001", "+46700000001",
 * "0046700000001" or "tel:+46…" all give "+46700000001". Such numbers are always international,
 * so no default country applies. Returns null when the result is not a valid number.
 */
export function normalizeMsisdn(raw: string): string | null {
  const number = parseInternational(raw);
  return number?.isValid() ? number.number : null;
}

/** Parses a number known to be international, with or without its "+" (or as "00…"). */
function parseInternational(raw: string): PhoneNumber | undefined {
  if (typeof raw !== 'string') return undefined;
  let text = clean(raw);
  if (!/^\+?\d+$/.test(text)) return undefined;
  if (text.startsWith('00')) text = text.slice(2);
  if (!text.startsWith('+')) text = `+${text}`;
  return parsePhoneNumberFromString(text, { extract: false });
}

// Calling code -> countries sharing it, to classify numbers whose exact range is unknown.
let countriesByCallingCode: Map<string, CountryCode[]> | undefined;
function countriesFor(callingCode: string): CountryCode[] {
  if (!countriesByCallingCode) {
    countriesByCallingCode = new Map();
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      const list = countriesByCallingCode.get(code);
      if (list) list.push(country);
      else countriesByCallingCode.set(code, [country]);
    }
  }
  return countriesByCallingCode.get(callingCode) ?? [];
}

/**
 * Whether delivery reports can be expected for a message to this E.164 number. False only for
 * the countries listed in docs/events.md. A number outside the known ranges still counts as that
 * country when its calling code belongs to listed countries only (e.g. any +49 number).
 * Like normalizeMsisdn, it tolerates a missing "+".
 */
export function expectsDeliveryReports(e164: string): boolean {
  const number = parseInternational(e164);
  if (!number) return true; // nothing to classify: keep the default
  if (number.country) return !COUNTRIES_WITHOUT_DELIVERY_REPORTS.has(number.country);
  const sharing = countriesFor(number.countryCallingCode);
  return !(sharing.length > 0 && sharing.every((c) => COUNTRIES_WITHOUT_DELIVERY_REPORTS.has(c)));
}
