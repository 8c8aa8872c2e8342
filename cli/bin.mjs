#!/usr/bin/env node
// The `gantry` executable. The CLI is TypeScript loaded through tsx's ESM hooks, so
// `npx gantry` works straight from a checkout with no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repository's tsconfig, not whatever directory the user runs gantry from.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });

const { cli } = await import('./main.ts');
await cli();
