"use client";
// Runs a console server action from a client component: pending state, the last result, and a
// refresh of the server-rendered page after a success so it shows the change.
import { useRouter } from "next/navigation";
import { useCallback, useState, useTransition } from "react";
import type { ActionResult } from "@/lib/console/safe-action";

export function useConsoleAction<I, T>(action: (input: I) => Promise<ActionResult<T>>) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<T> | null>(null);
  const run = useCallback(
    (input: I, { onSuccess, refresh = true }: { onSuccess?: (data: T) => void; refresh?: boolean } = {}) =>
      startTransition(async () => {
        const outcome = await action(input);
        setResult(outcome);
        if (!outcome.ok) return;
        onSuccess?.(outcome.data);
        if (refresh) router.refresh();
      }),
    [action, router],
  );
  return { run, pending, result, reset: () => setResult(null) };
}
