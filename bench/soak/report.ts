// One row per scenario, in the issue's words: load held, faults injected, pushes/tokens lost (must
// be 0), upstream calls made. Printed as a Markdown table so it can go straight into the README.

export type ScenarioResult = {
  name: string;
  load: string;
  faults: string;
  /** Pushes, tokens, accounts or requests lost; the soak fails unless every one is 0. */
  lost: number;
  lostDetail: string;
  upstream: string;
  /** Other checks (beyond losses) that must hold; a failed one fails the scenario too. */
  failures: string[];
  notes: string[];
  seconds: number;
};

export const passed = (result: ScenarioResult) => result.lost === 0 && result.failures.length === 0;

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function printReport(results: ScenarioResult[]): void {
  console.log("\n| scenario | load held | faults injected | lost (must be 0) | upstream calls | result |");
  console.log("|---|---|---|---|---|---|");
  for (const r of results) {
    const result = passed(r) ? `pass (${r.seconds} s)` : `**FAIL** (${r.seconds} s)`;
    console.log(
      `| ${cell(r.name)} | ${cell(r.load)} | ${cell(r.faults)} | ${cell(`${r.lost}: ${r.lostDetail}`)} | ${cell(r.upstream)} | ${result} |`,
    );
  }
  for (const r of results) {
    if (r.failures.length === 0 && r.notes.length === 0) continue;
    console.log(`\n${r.name}:`);
    for (const failure of r.failures) console.log(`  FAIL: ${failure}`);
    for (const note of r.notes) console.log(`  - ${note}`);
  }
  console.log("");
}

/** A scenario that threw: reported as a failure with what it said, never as a pass. */
export function crashed(name: string, error: unknown, seconds: number): ScenarioResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    name,
    load: "-",
    faults: "-",
    lost: 0,
    lostDetail: "-",
    upstream: "-",
    failures: [`the scenario stopped: ${message}`],
    notes: [],
    seconds,
  };
}
