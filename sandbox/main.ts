// `npm run sandbox` (tsx sandbox/main.ts): the WeChat Open Platform emulator as its own process.
// Configuration comes from SANDBOX_* variables only (see sandbox/README.md).
import pino from "pino";
import { readSandboxEnv } from "./config";
import { startSandbox } from "./server";

const logger = pino({ name: "wechat-sandbox", level: process.env.LOG_LEVEL ?? "info" });

async function main(): Promise<void> {
  const options = readSandboxEnv();
  const sandbox = await startSandbox({ ...options, logger });
  logger.info(`control page: ${sandbox.url}/sandbox`);
  // close() saves SANDBOX_STATE_FILE; a second signal exits at once, and the exit still writes what is pending.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping WeChat sandbox");
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "WeChat sandbox did not close cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : "sandbox failed to start");
  process.exit(1);
});
