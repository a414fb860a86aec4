// A titled list of what happened to the account (its credential's history, or everything).
import type { TimelineEntry } from "@/lib/console/authorizer-detail";
import { Timeline } from "../timeline";

type Props = { title: string; explain?: string; entries: TimelineEntry[]; emptyLabel: string; testId: string };

export function TimelineSection({ title, explain, entries, emptyLabel, testId }: Props) {
  return (
    <section className="card section">
      <h2>{title}</h2>
      {explain ? <p className="small muted">{explain}</p> : null}
      <Timeline entries={entries} emptyLabel={emptyLabel} testId={testId} />
    </section>
  );
}
