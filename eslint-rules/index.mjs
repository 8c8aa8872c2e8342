// Gantry's own lint rules: the boundaries DESIGN.md draws that no-restricted-imports cannot express.
import clientBoundary from './client-boundary.mjs';
import coreDomainCycles from './core-domain-cycles.mjs';
import importsWithin from './imports-within.mjs';
import noNodeBuiltins from './no-node-builtins.mjs';

export default {
  meta: { name: 'gantry' },
  rules: {
    'client-boundary': clientBoundary,
    'core-domain-cycles': coreDomainCycles,
    'imports-within': importsWithin,
    'no-node-builtins': noNodeBuiltins,
  },
};
