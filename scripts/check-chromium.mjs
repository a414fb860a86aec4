// Playwright drives Debian's chromium here (it cannot download its own). Install it when missing
// and we may (root with apt-get); otherwise stop with one line that says how to get it.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(path)) {
  const canInstall = process.getuid?.() === 0 && spawnSync("which", ["apt-get"]).status === 0;
  if (canInstall) {
    console.log("chromium is missing: installing Debian's chromium and CJK fonts (apt-get)…");
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    spawnSync("apt-get", ["install", "-y", "-qq", "chromium", "fonts-noto-cjk"], { stdio: "inherit" });
  }
  if (!existsSync(path)) {
    console.error(
      `chromium not found at ${path}: install it with "sudo apt-get install -y chromium fonts-noto-cjk" (or set CHROMIUM_PATH), then run npm test again.`,
    );
    process.exit(1);
  }
}
