// One lint setup. Workflow code must stay deterministic: Node built-ins, clocks and I/O libraries are
// banned there (Temporal's workflow sandbox would fail at run time; this fails at lint time instead).
// The layers are enforced too: a request goes api -> workflows -> core -> activities -> adapters, and no
// folder imports one above it (common/ and db/ are the foundation below them all). Type-only imports of
// workflows/ are allowed where workflows are started (their names and inputs are checked by tsc).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** An import pattern for a top-level folder of the project, from any depth. */
const folder = (name) => [`../${name}`, `../${name}/**`, `../../${name}`, `../../${name}/**`, `../../../${name}`, `../../../${name}/**`];
const above = (names, layer) => ({ group: names.flatMap(folder), message: `${layer} must not import a layer above it (${names.join(', ')}).` });
const typesOnly = (name, layer) => ({
  group: folder(name),
  allowTypeImports: true,
  message: `${layer} may import ${name}/ as types only (import type).`,
});
/** The layer rules of one folder: the patterns it may not import (each with its reason). */
const layer = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'generated/**', 'coverage/**', '.data/**', 'prisma.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain Node scripts (CommonJS): Node's globals, require allowed.
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The composition roots (cli/, test/, bench/) may import every layer; the others only those below them.
  layer(['api/**/*.ts'], [above(['cli', 'worker', 'activities', 'adapters', 'simulators', 'bench', 'test'], 'The API'), typesOnly('workflows', 'The API')]),
  layer(['worker/**/*.ts'], [above(['cli', 'api', 'simulators', 'bench', 'test'], 'A worker')]),
  layer(['core/**/*.ts'], [
    above(['cli', 'api', 'worker', 'activities', 'adapters', 'simulators', 'bench', 'test'], 'The core'),
    typesOnly('workflows', 'The core'),
  ]),
  layer(['activities/**/*.ts'], [
    above(['cli', 'api', 'worker', 'simulators', 'bench', 'test'], 'An activity'),
    typesOnly('workflows', 'An activity'),
  ]),
  layer(['adapters/**/*.ts'], [
    above(['cli', 'api', 'worker', 'workflows', 'core', 'activities', 'db', 'common', 'generated', 'simulators', 'bench', 'test'], 'A protocol adapter (it imports nothing of the platform)'),
  ]),
  layer(['db/**/*.ts'], [above(['cli', 'api', 'worker', 'workflows', 'core', 'activities', 'adapters', 'simulators', 'bench', 'test'], 'The database layer')]),
  layer(['common/**/*.ts'], [
    above(['cli', 'api', 'worker', 'workflows', 'core', 'activities', 'adapters', 'db', 'generated', 'simulators', 'bench', 'test'], 'common/ (the foundation)'),
  ]),
  // Simulators are devices, outside the platform: they speak the protocols (adapters/) and add themselves
  // through the typed client like any application.
  layer(['simulators/**/*.ts'], [
    above(['cli', 'worker', 'workflows', 'core', 'activities', 'db', 'generated', 'bench', 'test'], 'A simulator (a device, outside the platform)'),
    { group: [...folder('api').filter((p) => p.endsWith('/**')), '!../../api/client', '!../api/client'], message: 'A simulator uses the API through its typed client only (api/client).' },
  ]),
  // The operator CLI is a client like any other application: it reaches the platform through the typed client only.
  layer(['cli/osgp/**/*.ts'], [
    above(['worker', 'workflows', 'core', 'activities', 'adapters', 'db', 'common', 'generated', 'simulators', 'bench', 'test'], 'The operator CLI (a client of the API)'),
    { group: [...folder('api').filter((p) => p.endsWith('/**')), '!../../api/client'], message: 'The operator CLI uses the API through its typed client only (api/client).' },
  ]),
  // The operator console is a web application of the API, like any other: it reaches the platform through the
  // typed client only (and may use the contracts' types and the pure shared lists of common/).
  layer(['console/**/*.ts', 'console/**/*.tsx'], [
    above(['cli', 'worker', 'workflows', 'core', 'activities', 'adapters', 'db', 'generated', 'simulators', 'bench', 'test'], 'The console (a web application of the API)'),
    { group: [...folder('api').filter((p) => p.endsWith('/**')), '!../../api/client', '!../../../api/client'], message: 'The console uses the API through its typed client only (api/client).' },
  ]),
  {
    // The console's build configuration (an ES module run by Node).
    files: ['console/vite.config.mjs'],
    languageOptions: { sourceType: 'module', globals: { URL: 'readonly' } },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
            { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow, not the client.' },
            { name: '@temporalio/activity', message: 'Activities run in activities/, not in workflows.' },
            { name: 'pg', message: 'No I/O in workflow code.' },
            { name: 'protobufjs', message: 'No I/O in workflow code.' },
          ],
          patterns: [
            above(['cli', 'api', 'worker', 'simulators', 'bench', 'test'], 'Workflow code'),
            { group: ['**/db/**', '**/generated/**', '@prisma/*'], message: 'Workflows never touch the database; activities do.' },
            { group: ['**/adapters/**'], message: 'Workflows reach devices through adapter activities.' },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only and call them through proxyActivities.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow in a loop.' },
        { name: 'fetch', message: 'No I/O in workflow code.' },
        { name: 'process', message: 'No process state in workflow code.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Temporal replaces it deterministically; prefer uuid4() from @temporalio/workflow.' },
      ],
    },
  },
);
