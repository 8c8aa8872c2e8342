// Workflow code runs in Temporal's deterministic sandbox, where Node's modules either do not exist
// or break replay. Every built-in counts, by any name (`fs`, `node:fs`, `fs/promises`) and any
// form of import, including `import()` and `require()`.
import { builtinModules } from 'node:module';
import { importVisitors } from './imports.mjs';

const BUILTINS = new Set(builtinModules);

export const isNodeBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'No Node built-in module, imported in any way.' },
    schema: [],
    messages: {
      builtin: "'{{spec}}' is a Node built-in: workflow code must be deterministic and may not use Node's modules.",
      computed: 'Workflow code imports only modules named by a literal, so the workflow bundle and this rule can see them.',
    },
  },
  create(context) {
    return importVisitors(
      (node, spec) => {
        if (isNodeBuiltin(spec)) context.report({ node, messageId: 'builtin', data: { spec } });
      },
      (node) => context.report({ node, messageId: 'computed' }),
    );
  },
};
