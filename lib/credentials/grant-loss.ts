// A refresh can learn that the grant itself is gone: WeChat answers 61003 (the account revoked us),
// or 61023 with no other refresh token to fall back on. The account's status then changes, which is
// lib/authorization's to write (status.ts). This layer is below it and does not import it: status.ts
// installs its recorder here when it is loaded, as every portal process does at startup (lib/jobs
// and the push pipeline use it). Kept on globalThis: the refresh may run in another server bundle
// than the one that installed it.
export type GrantLoss = { kind: "revoked"; appid: string; at: Date } | { kind: "refresh_token_invalid"; appid: string; reason: string };

type GrantLossRecorder = (loss: GrantLoss) => Promise<void>;

const holder = globalThis as unknown as { __portalGrantLossRecorder?: GrantLossRecorder };

export function installGrantLossRecorder(recorder: GrantLossRecorder): void {
  holder.__portalGrantLossRecorder = recorder;
}

export async function recordGrantLoss(loss: GrantLoss): Promise<void> {
  const recorder = holder.__portalGrantLossRecorder;
  // Never silently: the account would keep looking authorized.
  if (!recorder) throw new Error(`${loss.appid} lost its grant (${loss.kind}), and no recorder is installed (lib/authorization/status.ts)`);
  await recorder(loss);
}
