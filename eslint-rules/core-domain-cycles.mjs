// Domains in core/ import one way. The rule reads the imports of every core/ file once per process,
// builds the graph of domains (core/<domain>/…; the top-level core/*.ts files form one more node),
// and reports an import whose target domain already reaches back to the importing one.
//
// Cycles that exist and are not cheap to break are listed in the rule's `allow` option with the
// reason; an allowed edge is left out of the graph, so imports that follow the intended direction
// stay quiet while the exception stands. scripts/lint-rules.test.ts fails once an allowed edge no
// longer closes a cycle, so the list only shrinks.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { importsOfFile, importVisitors, repoPathOf, resolveSpecifier, ROOT } from './imports.mjs';

const KERNEL = '*';
const label = (d) => (d === KERNEL ? 'core/*.ts' : `core/${d}`);
const isTest = (name) => /\.test\.tsx?$/.test(name) || name === 'test';

/** `core/tenancy/context` → `tenancy`; `core/errors` → the kernel; anything outside core/ → null. */
export function domainOf(repoPath) {
  const parts = repoPath.replace(/\.(ts|tsx|mjs|js)$/, '').split('/');
  if (parts[0] !== 'core' || parts.length < 2) return null;
  if (parts.length > 2) return parts[1];
  const dir = path.join(ROOT, 'core', parts[1]);
  try {
    if (statSync(dir).isDirectory()) return parts[1];
  } catch {
    // Not a folder: a kernel file such as core/errors.ts.
  }
  return KERNEL;
}

function coreFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (isTest(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) coreFiles(p, out);
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

let graph = null;

/** from domain → to domain → the production files of `from` that import `to`. */
export function coreDomainGraph() {
  if (graph) return graph;
  graph = new Map();
  for (const abs of coreFiles(path.join(ROOT, 'core'))) {
    const file = repoPathOf(abs);
    const from = domainOf(file);
    for (const { spec } of importsOfFile(abs)) {
      const target = resolveSpecifier(abs, spec);
      const to = target && domainOf(target);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      const tos = graph.get(from);
      if (!tos.has(to)) tos.set(to, new Set());
      tos.get(to).add(file);
    }
  }
  return graph;
}

/** The shortest chain of domains from `start` to `goal` along edges `next(a)` yields, or null. */
export function pathBetween(start, goal, next) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const a = queue.shift();
    if (a === goal) {
      const chain = [];
      for (let x = goal; x !== null; x = prev.get(x)) chain.unshift(x);
      return chain;
    }
    for (const b of next(a)) {
      if (!prev.has(b)) {
        prev.set(b, a);
        queue.push(b);
      }
    }
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles between core/ domains.' },
    schema: [
      {
        type: 'object',
        properties: {
          allow: {
            type: 'array',
            items: {
              type: 'object',
              properties: { from: { type: 'string' }, to: { type: 'string' }, why: { type: 'string', minLength: 1 } },
              required: ['from', 'to', 'why'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      cycle:
        '{{from}} → {{to}} closes an import cycle between core domains: {{cycle}} ({{where}}). Move what both need down into the lower domain, or the use case up, so domains import one way.',
    },
  },
  create(context) {
    const file = repoPathOf(context.filename);
    const from = file && domainOf(file);
    if (!from) return {};
    const allowed = new Set((context.options[0]?.allow ?? []).map((a) => `${a.from}>${a.to}`));
    const live = [];
    return {
      ...importVisitors((node, spec) => {
        const target = resolveSpecifier(context.filename, spec);
        const to = target && domainOf(target);
        if (to && to !== from) live.push({ node, to });
      }),
      'Program:exit'() {
        const base = coreDomainGraph();
        const liveTargets = new Set(live.map((l) => l.to));
        // The file on disk may differ from the text being linted: its own edges come from the text.
        const others = (a, b) => [...(base.get(a)?.get(b) ?? [])].filter((f) => f !== file);
        const next = (a) => {
          const tos = new Set([...(base.get(a)?.keys() ?? []), ...(a === from ? liveTargets : [])]);
          return [...tos].filter((b) => !allowed.has(`${a}>${b}`) && ((a === from && liveTargets.has(b)) || others(a, b).length > 0));
        };
        for (const { node, to } of live) {
          if (allowed.has(`${from}>${to}`)) continue;
          const back = pathBetween(to, from, next);
          if (!back) continue;
          const hops = back.slice(1).map((b, i) => `${label(back[i])} → ${label(b)} in ${others(back[i], b)[0] ?? file}`);
          context.report({
            node,
            messageId: 'cycle',
            data: { from: label(from), to: label(to), cycle: [from, ...back].map(label).join(' → '), where: hops.join('; ') },
          });
        }
      },
    };
  },
};
