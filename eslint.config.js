// Layering is enforced here, not by review (see README "Design notes"):
//   shared/         pure TypeScript: no node:*, no electron, no DOM packages, nothing outside shared/
//   electron/node/  Node only: never imports electron, renderer or electron/main
//   renderer/       browser only: shared/ and browser packages, never node:* or electron
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Bare built-in names must be matched exactly (as `paths`): as gitignore-style patterns,
// 'net' would also match our own './net/…' folder.
const bareBuiltins = ['fs', 'path', 'os', 'zlib', 'crypto', 'child_process', 'worker_threads', 'http', 'https', 'net', 'stream', 'url', 'util', 'buffer'];
const noBuiltins = (message) => ({
  paths: bareBuiltins.map((name) => ({ name, message })),
  patterns: [{ group: ['node:*'], message }],
});
const nodeGlobals = { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**', 'bench-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Plain-JavaScript scripts (fixture tooling) run in Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: noBuiltins('shared/ is pure: no Node built-ins (do I/O in electron/node).').paths,
        patterns: [
          ...noBuiltins('shared/ is pure: no Node built-ins (do I/O in electron/node).').patterns,
          { group: ['electron', 'better-sqlite3', 'react', 'react-dom', 'd3', 'zustand'], message: 'shared/ is pure: no runtime packages.' },
          { group: ['**/electron/**', '**/renderer/**', '**/test/**'], message: 'shared/ imports nothing outside itself.' },
        ],
      }],
    },
  },
  {
    files: ['electron/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron'], message: 'electron/node never imports electron: it must run in plain Node (CLI, worker, tests).' },
          { group: ['**/renderer/**', '**/electron/main/**', '**/electron/preload/**'], message: 'electron/node is below main, preload and renderer.' },
        ],
      }],
    },
  },
  {
    // The Electron main process paints the window and routes IPC: it must never wait on
    // SQLite. It reaches the index only through the back end (backend.ts), whose handlers
    // run in the query worker.
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['better-sqlite3', '**/store/index_store*', '**/store/call_query*', '**/api/handlers*', '**/api/query_host*'],
            message: 'electron/main holds no SQLite connection: call the back end (backend.ts), whose queries run in the query worker.',
          },
        ],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: noBuiltins('renderer/ runs in the browser: no Node built-ins.').paths,
        patterns: [
          ...noBuiltins('renderer/ runs in the browser: no Node built-ins.').patterns,
          { group: ['electron', 'better-sqlite3', '**/electron/**'], message: 'renderer/ talks to the back end only through the shared API contract.' },
        ],
      }],
    },
  },
  {
    // Spreading an array into call arguments overflows the stack past ~120 000 elements:
    // one call of 150 000 SIP messages lost its whole capture to `Math.min(...times)`.
    // Product code uses minOf / maxOf / pushAll (shared/util/array_math.ts); tests may spread.
    files: ['shared/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-syntax': ['error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(min|max)$/] > SpreadElement",
          message: 'Math.min/max(...array) overflows the stack on big inputs: use minOf / maxOf from shared/util/array_math.ts.',
        },
        {
          selector: "CallExpression[callee.property.name=/^(push|unshift|fromCharCode)$/] > SpreadElement",
          message: 'push / unshift / fromCharCode(...array) overflows the stack on big inputs: loop, or use pushAll from shared/util/array_math.ts.',
        },
      ],
    },
  },
);
