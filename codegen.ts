import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the UI: every `graphql(...)` call under app/ is checked
 * against the committed schema and gets result and variable types.
 */
const config: CodegenConfig = {
  schema: 'graphql/schema.graphql',
  documents: ['app/**/*.tsx', 'app/**/*.ts', '!app/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    'app/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // String unions instead of TypeScript enums: no runtime objects to ship or import.
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', Micros: 'string' },
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
