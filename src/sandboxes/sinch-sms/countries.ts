// Countries whose operators return no delivery reports (docs/events.md). The simulator sends no
// callbacks at all for recipients there, as the real network would not produce any.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const COUNTRIES_WITHOUT_DELIVERY_REPORTS: ReadonlySet<string> = new Set([
  'BD', 'BJ', 'BR', 'BI', 'KH', 'DE', 'GP', 'GU', 'HK', 'ID', 'KW', 'MY',
  'MH', 'MR', 'MX', 'NR', 'MP', 'PK', 'PA', 'PG', 'PE', 'WS', 'SB', 'SS',
  'LK', 'SD', 'TJ', 'TL', 'TO', 'TV', 'UZ', 'VE', 'VN', 'WF',
]);

/** ISO country of an MSISDN (with or without "+"), when the full metadata can tell. */
export function countryOf(msisdn: string): string | undefined {
  const digits = msisdn.replace(/\D/g, '');
  return parsePhoneNumberFromString(`+${digits}`)?.country;
}

export function countryGivesDeliveryReports(msisdn: string): boolean {
  const country = countryOf(msisdn);
  return country === undefined || !COUNTRIES_WITHOUT_DELIVERY_REPORTS.has(country);
}
