// The accessibility check every page passes (issue 13): axe-core in the page as rendered, WCAG 2.x A
// and AA rules, no serious or critical violation. Each check's summary is kept under
// artifacts/accessibility/<project>/<name>.json and attached to the report, so a run's result per
// page can be read (and quoted) afterwards.
import { mkdirSync, writeFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import { expect } from "./fixtures";

const BLOCKING = new Set(["serious", "critical"]);

export type AccessibilitySummary = {
  page: string;
  url: string;
  passes: number;
  violations: { id: string; impact: string | null; nodes: number; targets: string[] }[];
};

/** Runs axe on what `page` shows now and fails on any serious or critical violation, naming each. */
export async function expectAccessible(page: Page, testInfo: TestInfo, name: string): Promise<AccessibilitySummary> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const summary: AccessibilitySummary = {
    page: name,
    url: page.url(),
    passes: results.passes.length,
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    })),
  };
  const dir = `artifacts/accessibility/${testInfo.project.name}`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.json`;
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  await testInfo.attach(`axe ${name}`, { path: file, contentType: "application/json" });
  const blocking = summary.violations.filter((v) => v.impact && BLOCKING.has(v.impact));
  expect(blocking, `${name}: serious or critical accessibility violations`).toEqual([]);
  return summary;
}
