// Lint rules that catch bugs the type checker does not; no stylistic rules (formatting is Prettier's).
// Workflow rules follow Temporal's samples-typescript: workflow code runs in a deterministic sandbox and is
// replayed, so it may not use Node built-ins or host APIs.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// samples-typescript allows `assert` in workflows (the sandbox provides it); we do not use it, so none is allowed.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_')).flatMap((name) => [name, `node:${name}`]);

const emulatorImport = {
  group: ['**/emulators', '**/emulators/**'],
  message: 'src/ never imports emulators/: they stand in for systems outside this project (tests, demo, bench only).',
};

export default tseslint.config(
  // Generated protocol types and plain-JS fixtures (stand-in programs run by tests) are not linted.
  { ignores: ['node_modules/**', 'lib/**', 'dist/**', 'src/codex-protocol/app-server/**', 'test-artifacts/**', 'bench-results/**', '**/*.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'emulators/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // A warning, not an error: some files carry directives for rules this set leaves out (no-require-imports).
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    rules: {
      // A promise nobody awaits loses its rejection (and in a workflow, its ordering): await it or mark it `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [emulatorImport] }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins (use an activity).' })),
            ...['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'].map((name) => ({
              name,
              message: 'Workflow code imports only @temporalio/workflow and @temporalio/common.',
              allowTypeImports: true,
            })),
          ],
          patterns: [
            emulatorImport,
            {
              group: ['**/activities', '**/activities/**', '**/client/**', '**/temporal/dev-server', '**/worker'],
              message: 'Workflow code reaches activities through proxyActivities; import their types only (`import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'fetch', 'crypto', 'performance'].map((name) => ({
          name,
          message: 'Not available (or not deterministic) in the workflow sandbox: use an activity.',
        })),
        ...['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({
          name,
          message: 'Use wf.sleep / wf.condition: a durable timer that shows in the history.',
        })),
      ],
    },
  },
);
