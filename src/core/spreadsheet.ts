// CSV exports are opened in spreadsheets, which run a cell starting with `=`, `+`, `-` or `@` (or
// a tab or carriage return before one) as a formula. Message bodies come from customers (their
// replies) and customer ids from API clients, so an export could carry `=HYPERLINK(…)` or worse to
// the marketer who opens it ("CSV injection", OWASP). Such a cell is written with a leading `'`,
// which spreadsheets show as text and don't display; plain numbers (`+12025550101`, `-5`) are
// left alone, as no spreadsheet runs anything in them.

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** The text as a spreadsheet will show it, never run it. */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}
