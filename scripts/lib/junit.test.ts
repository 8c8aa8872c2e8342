import { describe, expect, it } from 'vitest';
import { parseJUnit } from './junit';

/** What pytest 8 wrote with --junitxml for a file with one case of each outcome (bodies shortened). */
const PYTEST_REPORT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.110" timestamp="2026-12-06T19:56:05.892483+00:00" hostname="vm"><testcase classname="e2e.mlflow.test_sample" name="test_passes" time="0.001" /><testcase classname="e2e.mlflow.test_sample" name="test_fails" time="0.001"><failure message="AssertionError: one &amp; &lt;two&gt;&#10;assert 1 == 2">def test_fails():
&gt;       assert 1 == 2, "one &amp; &lt;two&gt;"
E       AssertionError: one &amp; &lt;two&gt;

test_sample.py:7: AssertionError</failure></testcase><testcase classname="e2e.mlflow.test_sample" name="test_skips" time="0.000"><skipped type="pytest.skip" message="could not import 'pandas': No module named 'pandas'">/tmp/test_sample.py:10: could not import 'pandas': No module named 'pandas'</skipped></testcase><testcase classname="e2e.mlflow.test_sample" name="test_errors" time="0.001"><error message="failed on setup with &quot;RuntimeError: setup broke&quot;">@pytest.fixture
&gt;       raise RuntimeError("setup broke")

test_sample.py:14: RuntimeError</error></testcase></testsuite></testsuites>`;

describe('parseJUnit', () => {
  it('reads each case of a pytest report with its outcome and message', () => {
    expect(parseJUnit(PYTEST_REPORT)).toEqual([
      { classname: 'e2e.mlflow.test_sample', name: 'test_passes', outcome: 'passed', message: '' },
      { classname: 'e2e.mlflow.test_sample', name: 'test_fails', outcome: 'failed', message: 'AssertionError: one & <two>\nassert 1 == 2' },
      { classname: 'e2e.mlflow.test_sample', name: 'test_skips', outcome: 'skipped', message: "could not import 'pandas': No module named 'pandas'" },
      { classname: 'e2e.mlflow.test_sample', name: 'test_errors', outcome: 'error', message: 'failed on setup with "RuntimeError: setup broke"' },
    ]);
  });

  it('finds no cases in a report that is not JUnit XML', () => {
    expect(parseJUnit('')).toEqual([]);
    expect(parseJUnit('<html><body>502</body></html>')).toEqual([]);
  });
});
