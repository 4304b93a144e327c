import nx from '@nx/eslint-plugin';

/**
 * Module boundaries: every project carries one `scope:` and one `type:` tag.
 * Apps never import each other; libs/protocols is consumed by other teams and
 * may import nothing of NestJS, TypeORM, pg or a NATS client.
 */
const frameworkPackages = ['@nestjs/*', 'typeorm', 'pg', '@nats-io/*', 'nats', 'passport*', 'prom-client', 'pino'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '.nx', '.data', 'coverage', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          // tools/cdtp-pull loads the built protocols library lazily to say "build it first" when it is missing.
          checkDynamicDependenciesExceptions: ['@kaa/protocols'],
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:tekton', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ecr', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:watcher', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:kit', 'type:platform', 'type:protocol', 'type:testing'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:kit', 'type:platform', 'type:protocol', 'type:testing'] },
            { sourceTag: 'type:kit', onlyDependOnLibsWithTags: ['type:platform', 'type:protocol', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:protocol'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:protocol', 'type:testing'] },
            {
              sourceTag: 'type:protocol',
              onlyDependOnLibsWithTags: ['type:protocol'],
              bannedExternalImports: frameworkPackages,
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
