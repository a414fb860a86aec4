// The setup project: the portal holds a component_verify_ticket before any spec runs, whichever runs
// first or alone. It needs one to make authorization links, and the sandbox's own first push, sent as
// the sandbox started, came before the portal listened.
import { expect, test as setup } from "./fixtures";

setup("the sandbox pushes a component_verify_ticket the portal takes", async ({ sandbox }) => {
  expect((await sandbox.pushTicket()).delivery.state).toBe("delivered");
});
