import next from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...next,
  ...nextTs,
  // Leaving keys out by destructuring (`const { secret: _, ...rest } = obj`) is how the code omits fields.
  { rules: { "@typescript-eslint/no-unused-vars": ["warn", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }] } },
  {
    ignores: [
      "lib/generated/**",
      ".next/**",
      ".next-*/**",
      ".scratch/**",
      ".data/**",
      "artifacts/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
];

export default config;
