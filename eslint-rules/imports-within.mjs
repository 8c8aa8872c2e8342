// Folders that may import only a few folders of ours (and, for some, only a few packages). Unlike
// no-restricted-imports patterns, this resolves each specifier, so `../config` in cli/ (cli/config.ts)
// and `../../config/env` (the top-level config/) are told apart.
import { importVisitors, resolveSpecifier, topFolder } from './imports.mjs';

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'A folder imports only the folders of ours (and the packages) it is allowed.' },
    schema: [
      {
        type: 'object',
        properties: {
          folders: { type: 'array', items: { type: 'string' }, minItems: 1 },
          /** When given, the only packages allowed; Node built-ins are packages here too. */
          packages: { type: 'array', items: { type: 'string' } },
          why: { type: 'string' },
        },
        required: ['folders', 'why'],
        additionalProperties: false,
      },
    ],
    messages: {
      folder: "'{{spec}}' is in {{folder}}/; this folder may import {{allowed}} only. {{why}}",
      package: "'{{spec}}' is not one of the packages this folder may import ({{packages}}). {{why}}",
    },
  },
  create(context) {
    const { folders, packages, why } = context.options[0];
    const allowed = folders.map((f) => `${f}/`).join(' and ');
    return importVisitors((node, spec) => {
      const target = resolveSpecifier(context.filename, spec);
      if (target !== null) {
        const folder = topFolder(target);
        if (!folders.includes(folder)) context.report({ node, messageId: 'folder', data: { spec, folder, allowed, why } });
      } else if (packages && !packages.includes(packageName(spec))) {
        context.report({ node, messageId: 'package', data: { spec, packages: packages.join(', '), why } });
      }
    });
  },
};
