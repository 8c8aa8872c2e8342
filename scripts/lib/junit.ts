/**
 * The test cases of a JUnit XML report, as pytest writes it with `--junitxml`: one
 * `<testcase classname name>` per case, holding `<failure>`, `<error>` or `<skipped>`
 * (each with a `message`) unless the case passed.
 */

export interface JUnitCase {
  /** `e2e.mlflow.test_tracking` for e2e/mlflow/test_tracking.py. */
  classname: string;
  name: string;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  /** The failure's, error's or skip's message; empty for a passed case. */
  message: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]!] = decode(m[2] ?? m[3] ?? '');
  return out;
}

/** Every test case in the report; a report that is not JUnit XML has none. */
export function parseJUnit(xml: string): JUnitCase[] {
  const cases: JUnitCase[] = [];
  // Text inside elements is escaped, so a `<` always starts markup.
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = attributes(m[1]!);
    const body = m[2] ?? '';
    // A case that failed and then errored in teardown is one failed case.
    const outcome = (['failure', 'error', 'skipped'] as const).find((k) => new RegExp(`<${k}\\b`).test(body));
    const detail = outcome ? new RegExp(`<${outcome}\\b([^>]*)`).exec(body) : null;
    cases.push({
      classname: attrs.classname ?? '',
      name: attrs.name ?? '',
      outcome: outcome === 'failure' ? 'failed' : (outcome ?? 'passed'),
      message: detail ? (attributes(detail[1]!).message ?? '') : '',
    });
  }
  return cases;
}
