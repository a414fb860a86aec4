// `tsx --import ./scripts/server-only.mjs …`, for the CLIs, benchmarks and worker processes that load
// the portal's server modules outside Next. Those modules `import "server-only"` so that a client
// bundle reaching one fails the build; that package throws unless resolved under the react-server
// condition, which Next's server bundles use. This hook resolves that one package under it (to its
// empty module) and leaves every other resolution alone: a plain --conditions=react-server would
// also swap React's server build in, and the sandbox renders with react-dom/server.
import { register } from "node:module";

register("./server-only-hooks.mjs", import.meta.url);
