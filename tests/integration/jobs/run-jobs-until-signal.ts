// Child process for the lifecycle test: a portal process that only runs its background jobs, until
// it is sent a signal.
import { writeSync } from "node:fs";
import { startJobs } from "@/lib/jobs";

const runner = await startJobs();
// Written synchronously: pg-boss has finished its shutdown (workers stopped, unfinished jobs handed back).
runner?.boss.on("stopped", () => writeSync(1, `${JSON.stringify({ bossStopped: true })}\n`));
console.log(JSON.stringify({ ready: true, started: runner !== undefined }));
// Stay alive the way a server does.
setInterval(() => {}, 60_000);
