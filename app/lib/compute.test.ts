import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMiB, formatMicros, formatPriceMicros, gpuText, joinCommand, microsToDollars, parseDollars, splitCommand } from './compute';

describe('formatMicros', () => {
  it.each([
    [0, '$0.00'],
    [1_230_000, '$1.23'],
    [1_234_999, '$1.23'],
    [1_235_000, '$1.24'],
    [10_000, '$0.01'],
    [9_999, '$0.0100'],
    [4_200, '$0.0042'],
    [123, '$0.0001'],
    [37, '<$0.0001'],
    [1_234_567_890_000, '$1,234,567.89'],
    [-2_500_000, '-$2.50'],
  ])('%d micro-dollars read as %s', (micros, text) => {
    expect(formatMicros(micros)).toBe(text);
  });

  it('shows a dash for a cost not measured yet', () => {
    expect(formatMicros(null)).toBe('—');
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
    expect(formatPriceMicros(2_500_000)).toBe('$2.50');
    expect(formatPriceMicros(125)).toBe('$0.000125');
    expect(formatPriceMicros(3_200_000_000)).toBe('$3,200.00');
    expect(microsToDollars(2_500_000)).toBe('2.5');
    expect(microsToDollars(7)).toBe('0.000007');
  });

  it('round-trips every storable price exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000 }), (micros) => {
        expect(parseDollars(microsToDollars(micros))).toEqual({ micros });
        expect(parseDollars(formatPriceMicros(micros))).toEqual({ micros });
      }),
    );
  });
});

describe('splitCommand', () => {
  it('splits on whitespace and keeps quoted text whole', () => {
    expect(splitCommand(`python3 -c "import time;[print(i, flush=True) or time.sleep(0.5) for i in range(60)]"`)).toEqual({
      parts: ['python3', '-c', 'import time;[print(i, flush=True) or time.sleep(0.5) for i in range(60)]'],
    });
    expect(splitCommand(`  train.py   --lr 0.1 `)).toEqual({ parts: ['train.py', '--lr', '0.1'] });
  });

  it('follows the shell for single quotes, escapes and empty parts', () => {
    expect(splitCommand(`echo 'a "b" \\c' "d \\"e\\" \\n" f\\ g '' x""y`)).toEqual({ parts: ['echo', 'a "b" \\c', 'd "e" \\n', 'f g', '', 'xy'] });
  });

  it('refuses an unclosed quote', () => {
    expect(splitCommand(`python3 -c "print(1)`)).toEqual({ error: 'Close the double quote' });
    expect(splitCommand(`echo 'hi`)).toEqual({ error: 'Close the single quote' });
  });

  it('joins parts back into a line that splits to the same parts', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (parts) => {
        expect(splitCommand(joinCommand(parts))).toEqual({ parts });
      }),
    );
    expect(joinCommand(['python3', '-c', "print('hi')"])).toBe(`python3 -c "print('hi')"`);
    expect(joinCommand(['echo', "it's $HOME"])).toBe(`echo 'it'\\''s $HOME'`);
  });
});

describe('resource text', () => {
  it('reads GPUs and memory the way people say them', () => {
    expect(gpuText(0, 'nvidia-a100')).toBeNull();
    expect(gpuText(2, 'nvidia-a100')).toBe('2 × nvidia-a100');
    expect(gpuText(1, null)).toBe('1 GPU');
    expect(formatMiB(512)).toBe('512 MiB');
    expect(formatMiB(1536)).toBe('1.5 GiB');
    expect(formatMiB(2048)).toBe('2 GiB');
    expect(formatMiB(3.25)).toBe('3.3 MiB');
  });
});
