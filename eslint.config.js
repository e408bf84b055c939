import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Which folder of src/ may import which (README, ARCHITECTURE). Features are the analyses a county's data goes
// through; each stands alone and reaches the others' maths only through statistics/. The platform and the data
// layer (counties/) serve every feature and import none. lifecycle/ and the root files (app.module, main) compose
// the application and may import anything.
const FEATURES = ['valuation', 'reporting', 'market-analysis', 'gis-export', 'demo'];
const PLATFORM = [
  'auth',
  'common',
  'config',
  'counties',
  'database',
  'health',
  'info',
  'jobs',
  'logging',
  'observability',
];

/** A relative import of one of `folders` from anywhere below src/<folder>/. */
const importOf = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const restrict = (folders, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex: importOf(folders), message }] }],
});
const layerRules = [
  ...FEATURES.map((feature) => ({
    files: [`src/${feature}/**/*.ts`],
    rules: restrict(
      FEATURES.filter((f) => f !== feature),
      'A feature imports no other feature: shared maths belong in src/statistics, shared data access in src/counties.',
    ),
  })),
  {
    // Feature specs and fixtures may draw test data from the demo generator, and from no other feature.
    files: FEATURES.filter((f) => f !== 'demo').flatMap((f) => [`src/${f}/**/*.spec.ts`, `src/${f}/fixtures/**/*.ts`]),
    rules: restrict(
      FEATURES.filter((f) => f !== 'demo'),
      'A feature imports no other feature (its tests may use src/demo for data).',
    ),
  },
  {
    files: PLATFORM.map((folder) => `src/${folder}/**/*.ts`),
    rules: restrict(FEATURES, 'The platform and the data layer serve every feature and import none.'),
  },
  {
    // The maths: no framework, no I/O, nothing of the rest of src/.
    files: ['src/statistics/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'src/statistics imports nothing of the rest of src/.' },
            { regex: '^(@nestjs/|typeorm$|pg$|pg-)', message: 'src/statistics is plain maths: no Nest, no I/O.' },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layerRules,
);
