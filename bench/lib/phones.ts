// Distinct, valid US numbers for the bench. The sandbox picks a recipient's behaviour from the
// last four digits: numbers ending 0007 are accepted and never get a delivery report, so the
// hub under test only does the work a scenario is about.
import { parsePhone } from '../../src/core/phone.js';

const AREAS = [
  '201', '202', '203', '205', '206', '207', '208', '209', '210', '212', '213', '214', '215', '216', '217', '218', '219', '224', '225', '228',
  '229', '231', '234', '239', '240', '248', '251', '252', '253', '254', '256', '260', '262', '267', '269', '270', '276', '281', '301', '302',
];

const prefixes: string[] = [];
function buildPrefixes(): void {
  for (let ex = 200; ex < 1000; ex++) {
    for (const area of AREAS) {
      const p = `+1${area}${ex}`;
      if (parsePhone(`${p}0007`).ok) prefixes.push(p);
    }
  }
}

/** The i-th distinct number with the given last four digits (cycles after ~30,000). */
export function phone(i: number, last4 = '0007'): string {
  if (prefixes.length === 0) buildPrefixes();
  return `${prefixes[i % prefixes.length]}${last4}`;
}

export function distinctPhones(): number {
  if (prefixes.length === 0) buildPrefixes();
  return prefixes.length;
}
