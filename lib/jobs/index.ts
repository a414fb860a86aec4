// Scheduled background work: the minute credential tick, per-authorizer refresh jobs, the ticket
// watchdog, reconciliation after pushes may have been lost, and the refresh-queue metrics that
// health reports.
export { startJobs, stopJobs, startJobRunner, getRunningBoss, type JobRunner, type StartJobRunnerOptions } from "./runner";
export { runCredentialTick, type TickResult, type StepResult } from "./credential-tick";
export { enqueueDueRefreshes, type EnqueueResult, type RefreshJobData } from "./enqueue-refreshes";
export { handleRefreshAuthorizer, type RefreshJobOutput } from "./refresh-authorizer";
export {
  enqueueOwedReconciliation,
  handleReconcileAuthorizers,
  type ReconcileEnqueueResult,
  type ReconcileJobOutput,
} from "./reconcile-authorizers";
export { readTicketState, runTicketWatchdog, type TicketState, type WatchdogResult } from "./ticket-watchdog";
export { getRefreshQueueMetrics, type RefreshQueueMetrics } from "./refresh-queue-metrics";
export { QUEUES } from "./settings";
