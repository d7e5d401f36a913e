import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import {
  COUNTRIES_WITHOUT_DELIVERY_REPORTS,
  expectsDeliveryReports,
  normalizeMsisdn,
  parsePhone,
  type PhoneResult,
} from './phone.js';

function ok(r: PhoneResult): { e164: string; country: string | null } {
  if (!r.ok) assert.fail(`expected a valid number, got: ${r.reason}`);
  return r;
}

function reason(r: PhoneResult): string {
  if (r.ok) assert.fail(`expected a rejection, got ${r.e164}`);
  return r.reason;
}

describe('parsePhone: valid numbers', () => {
  const cases: Array<{ input: string; defaultCountry?: CountryCode; e164: string; country: string | null }> = [
    { input: '+46700000001', e164: '+46700000001', country: 'SE' },
    { input: '+46 70-000 00 01', e164: '+46700000001', country: 'SE' },
    { input: '070-123 45 67', defaultCountry: 'SE', e164: '+46701234567', country: 'SE' },
    { input: '  +1 (201) 555-0123 ', e164: '+12015550123', country: 'US' },
    { input: '+1 201.555.0123', e164: '+12015550123', country: 'US' },
    { input: '(201) 555-0123', defaultCountry: 'US', e164: '+12015550123', country: 'US' },
    { input: '+44 7400 123456', e164: '+447400123456', country: 'GB' },
    { input: '+44 (0) 7400 123456', e164: '+447400123456', country: 'GB' },
    { input: '07400 123456', defaultCountry: 'GB', e164: '+447400123456', country: 'GB' },
    { input: '+49 1512 3456789', e164: '+4915123456789', country: 'DE' },
    { input: '01512 3456789', defaultCountry: 'DE', e164: '+4915123456789', country: 'DE' },
    { input: '+33 6 12 34 56 78', e164: '+33612345678', country: 'FR' },
    { input: '+39 06 1234 5678', e164: '+390612345678', country: 'IT' },
    { input: '+91 98765 43210', e164: '+919876543210', country: 'IN' },
    { input: '+55 11 96123-4567', e164: '+5511961234567', country: 'BR' },
    { input: '+1 671 300 1234', e164: '+16713001234', country: 'GU' },
    { input: '+1 670 234 5678', e164: '+16702345678', country: 'MP' },
    { input: '0046 70 000 00 01', e164: '+46700000001', country: 'SE' },
    { input: '0046 70 000 00 01', defaultCountry: 'SE', e164: '+46700000001', country: 'SE' },
    { input: 'tel:+46-70-000-00-01', e164: '+46700000001', country: 'SE' },
    { input: '+44 7400 123456', defaultCountry: 'US', e164: '+447400123456', country: 'GB' },
    { input: '+４６ ７０ ０００ ００ ０１', e164: '+46700000001', country: 'SE' }, // fullwidth digits
    { input: '+800 1234 5678', e164: '+80012345678', country: null }, // non-geographic (freephone)
  ];
  for (const c of cases) {
    it(`${c.input}${c.defaultCountry ? ` (${c.defaultCountry})` : ''}`, () => {
      assert.deepEqual(ok(parsePhone(c.input, c.defaultCountry)), { ok: true, e164: c.e164, country: c.country });
    });
  }
});

describe('parsePhone: rejections have a readable reason', () => {
  const cases: Array<{ input: string; defaultCountry?: CountryCode; match: RegExp }> = [
    { input: '', match: /empty/ },
    { input: '   ', match: /empty/ },
    { input: 'hello', match: /only contain digits/ },
    { input: '1-800-FLOWERS', defaultCountry: 'US', match: /only contain digits/ },
    { input: '+1 201 555 0123 ext. 12', match: /only contain digits/ },
    { input: '070 123 45 67', match: /international format/ },
    { input: '+999 123 456', match: /unknown country code/ },
    { input: '+46', match: /too short/ },
    { input: '+49 123', match: /too short for Germany/ },
    { input: '+46 70 000 00 01 23 45', match: /too long for Sweden/ },
    { input: '+46 70 000 000', match: /not a valid phone number for Sweden/ },
    { input: '+1 999 555 0123', match: /not a valid phone number for country code \+1/ },
    { input: '+1 201 055 0123', match: /not a valid phone number for/ },
    { input: '12', defaultCountry: 'SE', match: /too short for Sweden/ },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => {
      const why = reason(parsePhone(c.input, c.defaultCountry));
      assert.match(why, c.match);
      assert.match(why, /^[A-Z+].*\.$/, 'a sentence');
    });
  }
});

describe('normalizeMsisdn', () => {
  const cases: Array<[string, string | null]> = [
    ['46700000001', '+46700000001'],
    ['+46700000001', '+46700000001'],
    ['0046700000001', '+46700000001'],
    ['tel:+46700000001', '+46700000001'],
    [' 46 70 000 00 01 ', '+46700000001'],
    ['12015550123', '+12015550123'],
    ['16713001234', '+16713001234'],
    ['447400123456', '+447400123456'],
    ['4915123456789', '+4915123456789'],
    ['0701234567', null], // national format: the country is unknown
    ['4670000000', null], // too short for Sweden
    ['', null],
    ['abc', null],
    ['+', null],
    ['999123456', null],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${want}`, () => assert.equal(normalizeMsisdn(input), want));
  }
});

describe('countries without delivery reports', () => {
  it('lists the 34 countries of docs/events.md', () => {
    assert.equal(COUNTRIES_WITHOUT_DELIVERY_REPORTS.size, 34);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    const listed = [...COUNTRIES_WITHOUT_DELIVERY_REPORTS].map((c) => names.of(c)).sort();
    assert.deepEqual(
      listed,
      [
        'Bangladesh', 'Benin', 'Brazil', 'Burundi', 'Cambodia', 'Germany', 'Guadeloupe', 'Guam',
        'Hong Kong SAR China', 'Indonesia', 'Kuwait', 'Malaysia', 'Marshall Islands', 'Mauritania',
        'Mexico', 'Nauru', 'Northern Mariana Islands', 'Pakistan', 'Panama', 'Papua New Guinea',
        'Peru', 'Samoa', 'Solomon Islands', 'South Sudan', 'Sri Lanka', 'Sudan', 'Tajikistan',
        'Timor-Leste', 'Tonga', 'Tuvalu', 'Uzbekistan', 'Venezuela', 'Vietnam', 'Wallis & Futuna',
      ].sort(),
    );
  });

  for (const country of COUNTRIES_WITHOUT_DELIVERY_REPORTS) {
    it(`${country}: example mobile number maps to the country and expects no reports`, () => {
      const example = getExampleNumber(country as CountryCode, mobileExamples);
      assert.ok(example, `no example number for ${country}`);
      const e164 = example.number;
      assert.deepEqual(ok(parsePhone(e164)), { ok: true, e164, country });
      assert.deepEqual(ok(parsePhone(example.formatNational(), country as CountryCode)), { ok: true, e164, country });
      assert.equal(normalizeMsisdn(e164.slice(1)), e164);
      assert.equal(expectsDeliveryReports(e164), false);
    });
  }

  for (const country of ['SE', 'US', 'GB', 'FR', 'CA', 'PR', 'VI', 'AS', 'RE', 'AU', 'IN', 'ZA'] as const) {
    it(`${country}: example mobile number expects reports`, () => {
      const example = getExampleNumber(country, mobileExamples);
      assert.ok(example);
      assert.equal(ok(parsePhone(example.number)).country, country);
      assert.equal(expectsDeliveryReports(example.number), true);
    });
  }

  it('tells NANP territories from the US: Guam and Northern Mariana Islands vs US', () => {
    assert.equal(ok(parsePhone('+1 671 300 1234')).country, 'GU');
    assert.equal(ok(parsePhone('+1 670 234 5678')).country, 'MP');
    assert.equal(ok(parsePhone('+1 201 555 0123')).country, 'US');
    assert.equal(expectsDeliveryReports('+16713001234'), false);
    assert.equal(expectsDeliveryReports('+16702345678'), false);
    assert.equal(expectsDeliveryReports('+12015550123'), true);
  });

  it('Guadeloupe shares +590 with St Barthélemy and St Martin', () => {
    // Fixed lines are told apart, but the three share the +590 690/691 mobile ranges, which the
    // metadata assigns to Guadeloupe: mobiles of all three count as expecting no reports.
    assert.equal(ok(parsePhone('+590 590 27 12 34')).country, 'BL');
    assert.equal(expectsDeliveryReports('+590590271234'), true);
    assert.equal(getExampleNumber('BL', mobileExamples)?.number, getExampleNumber('GP', mobileExamples)?.number);
    assert.equal(ok(parsePhone('+590 690 00 12 34')).country, 'GP');
    assert.equal(expectsDeliveryReports('+590690001234'), false);
  });

  it('tells Germany from the UK', () => {
    assert.equal(expectsDeliveryReports('+4915123456789'), false);
    assert.equal(expectsDeliveryReports('+447400123456'), true);
  });

  it('classifies a number outside the known ranges by a calling code of listed countries only', () => {
    assert.equal(expectsDeliveryReports('+49 123'), false); // Germany alone uses +49
    assert.equal(expectsDeliveryReports('+1 999 555 0123'), true); // +1 is shared with the US
    assert.equal(expectsDeliveryReports('not a number'), true);
  });

  it('accepts numbers without the +', () => {
    assert.equal(expectsDeliveryReports('4915123456789'), false);
    assert.equal(expectsDeliveryReports('16713001234'), false);
    assert.equal(expectsDeliveryReports('447400123456'), true);
    assert.equal(expectsDeliveryReports('004915123456789'), false);
  });
});
