// ESLint configuration for the JavaScript tests of the patch series, used by
// patches/check-style. It applies the rule settings of Node.js core's own
// configuration (eslint.config.mjs and test/eslint.config_partial.mjs in
// nodejs/node) that are built into ESLint and @stylistic/eslint-plugin-js,
// plus two rules of Node's tools/eslint-rules that every test must follow
// (written here: `common` is required, and first). Node's other custom rules,
// its Babel parser and the JSDoc plugin are not used.
//
// check-style installs the packages with npm into the build cache and passes
// their folder in NODE_FFM_ESLINT_TOOLS.
import { createRequire } from 'node:module';
import path from 'node:path';

const tools = process.env.NODE_FFM_ESLINT_TOOLS;
if (!tools) {
  throw new Error('NODE_FFM_ESLINT_TOOLS must name the folder where eslint is installed');
}
const requireTool = createRequire(path.join(tools, 'package.json'));
const js = requireTool('@eslint/js');
const globals = requireTool('globals');
const stylisticJs = requireTool('@stylistic/eslint-plugin-js');

// `common` must be required, before any other module.
const requireCommonFirst = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const isCommon = (value) => /(^|\/)common(\/index(\.m?js)?)?$/.test(value);
    const requires = [];
    return {
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' &&
            node.arguments.length === 1 && node.arguments[0].type === 'Literal' &&
            typeof node.arguments[0].value === 'string') {
          requires.push(node);
        }
      },
      'Program:exit'(program) {
        const first = requires.findIndex((node) => isCommon(node.arguments[0].value));
        if (first === -1) {
          context.report({ node: program, message: 'Mandatory module "common" must be loaded.' });
        } else if (first > 0) {
          context.report({
            node: requires[first],
            message: 'Mandatory module "common" must be loaded before any other modules.',
          });
        }
      },
    };
  },
};

export default [
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'script',
      // CommonJS, as Node.js core's parser configuration allows.
      parserOptions: { ecmaFeatures: { globalReturn: true } },
      globals: { ...globals.node },
    },
    plugins: {
      '@stylistic/js': stylisticJs,
      'node-ffm': { rules: { 'require-common-first': requireCommonFirst } },
    },
    rules: {
      // Node.js core, general rules.
      'accessor-pairs': 'error',
      'array-callback-return': 'error',
      'block-scoped-var': 'error',
      'capitalized-comments': ['error', 'always', {
        line: {
          ignorePattern: '.{0,20}$|[a-z]+ ?[0-9A-Z_.(/=:[#-]|std|http|ssh|ftp',
          ignoreInlineComments: true,
          ignoreConsecutiveComments: true,
        },
        block: { ignorePattern: '.*' },
      }],
      'logical-assignment-operators': ['error', 'always', { enforceForIfStatements: true }],
      'default-case-last': 'error',
      'dot-notation': 'error',
      'eqeqeq': ['error', 'smart'],
      'func-name-matching': ['error', { considerPropertyDescriptor: true }],
      'func-style': ['error', 'declaration', { allowArrowFunctions: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-constructor-return': 'error',
      'no-duplicate-imports': 'error',
      'no-else-return': 'error',
      'no-inner-declarations': 'off',
      'no-lonely-if': 'error',
      'no-proto': 'error',
      'no-redeclare': ['error', { builtinGlobals: false }],
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-throw-literal': 'error',
      'no-undef': ['error', { typeof: true }],
      'no-undef-init': 'error',
      'no-unused-expressions': ['error', { allowShortCircuit: true }],
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'all' }],
      'no-use-before-define': ['error', { classes: true, functions: false, variables: false }],
      'no-useless-call': 'error',
      'no-useless-concat': 'error',
      'no-useless-constructor': 'error',
      'no-useless-return': 'error',
      'no-var': 'error',
      'no-void': 'error',
      'one-var': ['error', { initialized: 'never' }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'prefer-object-has-own': 'error',
      'strict': ['error', 'global'],
      'unicode-bom': 'error',
      'valid-typeof': ['error', { requireStringLiterals: true }],
      // Node.js core, tests.
      'multiline-comment-style': ['error', 'separate-lines'],
      'no-restricted-properties': ['error',
                                   { object: 'assert', property: 'equal' },
                                   { object: 'assert', property: 'notEqual' },
                                   { object: 'assert', property: 'deepEqual' },
                                   { object: 'assert', property: 'notDeepEqual' }],
      'node-ffm/require-common-first': 'error',
      // Node.js core, stylistic rules.
      '@stylistic/js/arrow-parens': 'error',
      '@stylistic/js/arrow-spacing': 'error',
      '@stylistic/js/block-spacing': 'error',
      '@stylistic/js/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/js/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/js/comma-spacing': 'error',
      '@stylistic/js/comma-style': 'error',
      '@stylistic/js/computed-property-spacing': 'error',
      '@stylistic/js/dot-location': ['error', 'property'],
      '@stylistic/js/eol-last': 'error',
      '@stylistic/js/function-call-spacing': 'error',
      '@stylistic/js/indent': ['error', 2, {
        ArrayExpression: 'first',
        CallExpression: { arguments: 'first' },
        FunctionDeclaration: { parameters: 'first' },
        FunctionExpression: { parameters: 'first' },
        MemberExpression: 'off',
        ObjectExpression: 'first',
        SwitchCase: 1,
      }],
      '@stylistic/js/key-spacing': 'error',
      '@stylistic/js/keyword-spacing': 'error',
      '@stylistic/js/linebreak-style': 'error',
      '@stylistic/js/max-len': ['error', {
        code: 120,
        ignorePattern: '^// Flags:',
        ignoreRegExpLiterals: true,
        ignoreTemplateLiterals: true,
        ignoreUrls: true,
        tabWidth: 2,
      }],
      '@stylistic/js/new-parens': 'error',
      '@stylistic/js/no-confusing-arrow': 'error',
      '@stylistic/js/no-extra-parens': ['error', 'functions'],
      '@stylistic/js/no-multi-spaces': ['error', { ignoreEOLComments: true }],
      '@stylistic/js/no-multiple-empty-lines': ['error', { max: 2, maxEOF: 0, maxBOF: 0 }],
      '@stylistic/js/no-tabs': 'error',
      '@stylistic/js/no-trailing-spaces': 'error',
      '@stylistic/js/no-whitespace-before-property': 'error',
      '@stylistic/js/object-curly-newline': 'error',
      '@stylistic/js/object-curly-spacing': ['error', 'always'],
      '@stylistic/js/one-var-declaration-per-line': 'error',
      '@stylistic/js/operator-linebreak': ['error', 'after'],
      '@stylistic/js/padding-line-between-statements': ['error',
                                                        { blankLine: 'always', prev: 'function', next: 'function' }],
      '@stylistic/js/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: true }],
      '@stylistic/js/quote-props': ['error', 'consistent'],
      '@stylistic/js/rest-spread-spacing': 'error',
      '@stylistic/js/semi': 'error',
      '@stylistic/js/semi-spacing': 'error',
      '@stylistic/js/space-before-blocks': ['error', 'always'],
      '@stylistic/js/space-before-function-paren': ['error', {
        anonymous: 'never',
        named: 'never',
        asyncArrow: 'always',
      }],
      '@stylistic/js/space-in-parens': 'error',
      '@stylistic/js/space-infix-ops': 'error',
      '@stylistic/js/space-unary-ops': 'error',
      '@stylistic/js/spaced-comment': ['error', 'always', {
        block: { balanced: true },
        exceptions: ['-'],
      }],
      '@stylistic/js/template-curly-spacing': 'error',
    },
  },
];
