import { describe, expect, it } from 'vitest';
import { failureExcerpt } from './failure-excerpt';

const MISSING_MODULE = `gantry: Python environment ready (cached): /srv/gantry/envs/0a1b
loading data
Traceback (most recent call last):
  File "/app/train.py", line 12, in <module>
    import mlflow
ModuleNotFoundError: No module named 'mlflow'
`;

describe('the failure excerpt of a log', () => {
  it('is the traceback of a Python exception: its header, the frames and the exception', () => {
    expect(failureExcerpt(MISSING_MODULE)).toBe(`Traceback (most recent call last):
  File "/app/train.py", line 12, in <module>
    import mlflow
ModuleNotFoundError: No module named 'mlflow'`);
  });

  it('keeps the innermost frames of a deep traceback, the whole exception message, and errors printed after it', () => {
    const frames = Array.from({ length: 8 }, (_, i) => `  File "/app/lib${i}.py", line ${i + 1}, in f${i}\n    f${i + 1}()\n         ^^^^^^`).join('\n');
    const log = `epoch 1 loss 0.7\n${'noise\n'.repeat(500)}Traceback (most recent call last):\n${frames}\nValueError: Input contains NaN.\nColumn 'tenure' has 3 missing values.\n\nERROR: training aborted\ncleanup done\n`;
    const excerpt = failureExcerpt(log)!;
    expect(excerpt.split('\n')).toEqual([
      'Traceback (most recent call last):',
      '  …',
      '  File "/app/lib5.py", line 6, in f5',
      '    f6()',
      '         ^^^^^^',
      '  File "/app/lib6.py", line 7, in f6',
      '    f7()',
      '         ^^^^^^',
      '  File "/app/lib7.py", line 8, in f7',
      '    f8()',
      '         ^^^^^^',
      'ValueError: Input contains NaN.',
      "Column 'tenure' has 3 missing values.",
      'ERROR: training aborted',
    ]);
  });

  it('takes the last traceback of several (a chained exception ends with the one that stopped the program)', () => {
    const log = `Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nKeyError: 'x'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "a.py", line 3, in <module>\nRuntimeError: config is incomplete\n`;
    expect(failureExcerpt(log)).toBe('Traceback (most recent call last):\n  File "a.py", line 3, in <module>\nRuntimeError: config is incomplete');
  });

  it("without a traceback, is the last error lines: pip's, a shell's, a program's own", () => {
    const pip = `gantry: $ pip install gantry-nope==1.0
Looking in links: /opt/wheels
ERROR: Could not find a version that satisfies the requirement gantry-nope==1.0 (from versions: none)
ERROR: No matching distribution found for gantry-nope==1.0
gantry: building the Python environment failed: pip install exited with code 1
gantry: Could not build the Python environment: installing 1 requirement failed (exit code 1); pip's output is in the log
`;
    expect(failureExcerpt(pip)).toBe(`ERROR: Could not find a version that satisfies the requirement gantry-nope==1.0 (from versions: none)
ERROR: No matching distribution found for gantry-nope==1.0
gantry: building the Python environment failed: pip install exited with code 1
gantry: Could not build the Python environment: installing 1 requirement failed (exit code 1); pip's output is in the log`);
    expect(failureExcerpt('starting\nsh: 1: gantry-no-such-command: not found\n')).toBe('starting\nsh: 1: gantry-no-such-command: not found');
    expect(failureExcerpt('step 1\nError: connection refused (db:5432)\nretrying\n')).toBe('Error: connection refused (db:5432)');
  });

  it('without any error line, is the last lines of output', () => {
    const log = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    expect(failureExcerpt(`${log}\n\n\n`)).toBe('line 16\nline 17\nline 18\nline 19\nline 20');
  });

  it('reads the log as a terminal shows it: no colours, progress lines as last drawn, long lines cut', () => {
    const log = `\x1b[31mTraceback (most recent call last):\x1b[0m\n  File "t.py", line 1, in <module>\n\x1b[1;31mOSError\x1b[0m: disk full ${'x'.repeat(400)}\n`;
    const excerpt = failureExcerpt(`progress 10%\rprogress 50%\rprogress 90%\n${log}`)!;
    expect(excerpt).toMatch(/^Traceback \(most recent call last\):\n {2}File "t\.py", line 1, in <module>\nOSError: disk full x+…$/);
    expect(excerpt.split('\n').at(-1)!.length).toBe(300);
    expect(failureExcerpt('downloading 10%\rdownloading 99%\r\n')).toBe('downloading 99%');
  });

  it('is nothing for an empty log', () => {
    expect(failureExcerpt('')).toBeNull();
    expect(failureExcerpt('\n \n')).toBeNull();
  });
});
