// A 'use client' module and everything it imports are bundled for the browser. ESLint selects
// files by path, not by directive, so this rule looks at the directive itself.
import { fileOf, importsOfFile, importVisitors, repoPathOf, resolveSpecifier, topFolder } from './imports.mjs';

const isClientModule = (ast) => {
  for (const stmt of ast.body) {
    if (stmt.type !== 'ExpressionStatement' || typeof stmt.directive !== 'string') return false;
    if (stmt.directive === 'use client') return true;
  }
  return false;
};

/**
 * The chain of files by which `start` reaches code outside `folders` through value imports
 * (type-only imports put nothing in the bundle), or null. Packages are not followed.
 */
function escape(start, folders) {
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length > 0) {
    const chain = queue.shift();
    const file = fileOf(chain[chain.length - 1]);
    if (!file) continue;
    for (const { spec, typeOnly } of importsOfFile(file)) {
      if (typeOnly) continue;
      const target = resolveSpecifier(file, spec);
      if (target === null || seen.has(target)) continue;
      seen.add(target);
      if (!folders.includes(topFolder(target))) return [...chain, target];
      queue.push([...chain, target]);
    }
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: "A 'use client' module imports only browser-safe code of ours, directly or through what it imports." },
    schema: [
      {
        type: 'object',
        properties: { folders: { type: 'array', items: { type: 'string' }, minItems: 1 } },
        required: ['folders'],
        additionalProperties: false,
      },
    ],
    messages: {
      direct: "'use client' code is bundled for the browser: of ours it may import {{allowed}} only, and '{{spec}}' is in {{folder}}/.",
      reaches: "'use client' code is bundled for the browser: '{{spec}}' brings in {{folder}}/ through {{chain}}.",
    },
  },
  create(context) {
    if (!isClientModule(context.sourceCode.ast)) return {};
    const { folders } = context.options[0];
    const allowed = folders.map((f) => `${f}/`).join(' and ');
    const self = repoPathOf(context.filename);
    return importVisitors((node, spec, typeOnly) => {
      if (typeOnly) return;
      const target = resolveSpecifier(context.filename, spec);
      if (target === null) return;
      const folder = topFolder(target);
      if (!folders.includes(folder)) {
        context.report({ node, messageId: 'direct', data: { spec, folder, allowed } });
        return;
      }
      if (target === self) return;
      const chain = escape(target, folders);
      if (chain) context.report({ node, messageId: 'reaches', data: { spec, folder: topFolder(chain[chain.length - 1]), chain: chain.join(' → ') } });
    });
  },
};
