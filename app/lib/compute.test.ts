import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMiB, gpuText, joinCommand, splitCommand } from './compute';

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
