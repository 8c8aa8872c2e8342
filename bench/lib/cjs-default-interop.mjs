// Module hooks for bench/gantry-http-server.ts (registered with module.register).
// Next's bundler gives `import X from '<CommonJS module>'` that module's `default` export, while
// plain Node ESM gives its whole `module.exports`. For the listed CommonJS modules, serve an ES
// module whose default export is the CommonJS `default`, as the bundler would.
const MODULES = [/\/node_modules\/next-auth\/providers\/credentials\.js$/];

export async function load(url, context, nextLoad) {
  if (MODULES.some((re) => re.test(url.split('?')[0]))) {
    const source = `import { createRequire } from 'node:module';
const cjs = createRequire(${JSON.stringify(url)})(${JSON.stringify(new URL(url).pathname)});
export default cjs.default ?? cjs;`;
    return { format: 'module', source, shortCircuit: true };
  }
  return nextLoad(url, context);
}
