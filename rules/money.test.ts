import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMicros, formatPriceMicros, jobCostMicros, MAX_PRICE_MICROS, microsToDollars, microsToText, parseDollars, parseMicros, toMicros } from './money';
import { priceMicrosSchema } from './money.schema';

describe('formatMicros', () => {
  it.each([
    [0, '$0.00'],
    [1_230_000, '$1.23'],
    [1_234_567, '$1.23'],
    [1_234_999, '$1.23'],
    [1_235_000, '$1.24'],
    [10_000, '$0.01'],
    [9_999, '$0.0100'],
    [4_200, '$0.0042'],
    [123, '$0.0001'],
    [50, '$0.0001'],
    [49, '<$0.0001'],
    [1_234_567_890, '$1,234.57'],
    [1_234_567_890_000, '$1,234,567.89'],
    [-2_500_000, '-$2.50'],
  ])('%d micro-dollars read as %s', (micros, text) => {
    expect(formatMicros(micros)).toBe(text);
    expect(formatMicros(String(micros))).toBe(text);
  });

  it('shows the surface’s own dash for an amount not known yet', () => {
    expect(formatMicros(null)).toBe('—');
    expect(formatMicros(undefined, '-')).toBe('-');
  });

  it('refuses what is not a whole number of micro-dollars instead of rounding it', () => {
    expect(() => formatMicros(1.5)).toThrow(RangeError);
    expect(() => formatMicros(Number.NaN)).toThrow(RangeError);
    expect(() => formatMicros('2.5')).toThrow(RangeError);
  });
});

describe('the Micros scalar', () => {
  it.each([
    ['0', 0],
    ['2500000', 2_500_000],
    ['-42', -42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads "%s" as %d', (text, micros) => {
    expect(parseMicros(text)).toEqual({ micros });
    expect(microsToText(micros)).toBe(text);
  });

  it.each([[2_500_000], [2.5], [null], [true], [''], [' 1'], ['1 '], ['+1'], ['01'], ['-0'], ['1.0'], ['1e6'], ['0x10'], ['2,500'], ['$2.50'], ['9007199254740992'], ['-9007199254740992']])(
    'refuses %j',
    (value) => {
      expect(parseMicros(value)).toHaveProperty('error');
    },
  );

  it('writes bigint amounts, and refuses to write what would lose digits', () => {
    expect(microsToText(12n)).toBe('12');
    expect(() => microsToText(2n ** 53n)).toThrow(RangeError);
    expect(() => microsToText(0.5)).toThrow(RangeError);
    expect(() => microsToText(2 ** 53)).toThrow(RangeError);
  });

  it('round-trips every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (micros) => {
        expect(parseMicros(microsToText(micros))).toEqual({ micros: micros === 0 ? 0 : micros });
        expect(toMicros(microsToText(micros))).toBe(micros);
      }),
    );
  });
});

describe('dollars ↔ micro-dollars', () => {
  it.each([
    ['2.5', 2_500_000],
    ['$2.50', 2_500_000],
    ['0.000001', 1],
    ['.75', 750_000],
    ['1,200', 1_200_000_000],
    ['0', 0],
    ['100000', 100_000_000_000],
  ])('"%s" is %d micro-dollars', (text, micros) => {
    expect(parseDollars(text)).toEqual({ micros });
  });

  it.each([
    ['', 'Enter a price'],
    ['-1', 'Prices cannot be negative'],
    ['1.0000001', 'At most 6 decimals (prices are whole micro-dollars)'],
    ['abc', 'Enter an amount in dollars, e.g. 2.50'],
    ['.', 'Enter an amount in dollars, e.g. 2.50'],
    ['100000.000001', 'At most $100,000 per hour'],
  ])('"%s" is refused: %s', (text, error) => {
    expect(parseDollars(text)).toEqual({ error });
  });

  it('shows prices exactly', () => {
    expect(formatPriceMicros(48_000)).toBe('$0.048');
    expect(formatPriceMicros('2500000')).toBe('$2.50');
    expect(formatPriceMicros(125)).toBe('$0.000125');
    expect(formatPriceMicros(3_200_000_000)).toBe('$3,200.00');
    expect(microsToDollars(2_500_000)).toBe('2.5');
    expect(microsToDollars('7')).toBe('0.000007');
  });

  it('round-trips every storable price exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_PRICE_MICROS }), (micros) => {
        expect(parseDollars(microsToDollars(micros))).toEqual({ micros });
        expect(parseDollars(formatPriceMicros(micros))).toEqual({ micros });
      }),
    );
  });

  it('takes exactly the prices the catalog stores', () => {
    expect(priceMicrosSchema.safeParse(MAX_PRICE_MICROS).success).toBe(true);
    expect(priceMicrosSchema.safeParse(MAX_PRICE_MICROS + 1).success).toBe(false);
    expect(parseDollars(microsToDollars(MAX_PRICE_MICROS + 1))).toHaveProperty('error');
    expect(priceMicrosSchema.safeParse(-1).success).toBe(false);
    expect(priceMicrosSchema.safeParse(1.5).success).toBe(false);
  });
});

describe('job cost', () => {
  const prices = { cpuCoreHourMicros: 40_000, memoryGibHourMicros: 5_000, gpu: [{ gpuType: 'nvidia-a100', hourMicros: 3_000_000 }, { gpuType: 'nvidia-t4', hourMicros: 350_000 }] };

  it('is runtime × requested resources × prices, in whole micro-dollars', () => {
    // 2 cores, 8 GiB, 1 T4 for 30 minutes: (80,000 + 40,000 + 350,000) / 2.
    expect(jobCostMicros(1800, { cpu: 2, memoryMiB: 8192, gpuCount: 1, gpuType: 'nvidia-t4' }, prices)).toBe(235_000);
    expect(jobCostMicros(1, { cpu: 1, memoryMiB: 1024, gpuCount: 0, gpuType: null }, prices)).toBe(13);
    expect(Number.isInteger(jobCostMicros(7.3, { cpu: 0.3, memoryMiB: 100, gpuCount: 0, gpuType: null }, prices))).toBe(true);
  });

  it('charges an unpriced or unnamed GPU type at the highest GPU price, and nothing for no runtime', () => {
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 2, gpuType: 'nvidia-h100' }, prices)).toBe(6_000_000);
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 1, gpuType: null }, prices)).toBe(3_000_000);
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 1, gpuType: 'x' }, { ...prices, gpu: [] })).toBe(0);
    expect(jobCostMicros(0, { cpu: 8, memoryMiB: 1024, gpuCount: 1, gpuType: null }, prices)).toBe(0);
    expect(jobCostMicros(Number.NaN, { cpu: 8, memoryMiB: 1024, gpuCount: 1, gpuType: null }, prices)).toBe(0);
  });
});
