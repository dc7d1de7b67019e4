import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".wrangler/",
      "src/generated/",
      "worker-configuration.d.ts",
      "test/artifacts/",
      "bench/.tmp/",
      ".venv/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // The Worker's schemas come from src/zod.ts (zod/mini with English messages), as a namespace import: a named
    // `z` or the full `zod` brings every schema kind and locale into the bundle (README: Deploying, bundle size).
    files: ["src/**/*.ts"],
    ignores: ["src/zod.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^zod(/.*)?$", message: 'Use `import * as z from "<path>/zod"` (zod/mini).' }] },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value=/(^|\\/)zod$/] > ImportSpecifier",
          message: 'Named imports defeat tree-shaking: `import * as z from "<path>/zod"`.',
        },
      ],
    },
  },
  {
    // Tests read loosely-typed JSON from the wire.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
