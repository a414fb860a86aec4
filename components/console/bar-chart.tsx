// A stacked bar chart drawn on the server as inline SVG: no client chart library, nothing fetched,
// readable without JavaScript. Horizontal positions are percentages, so the chart fills any width
// without stretching its text; the y-axis labels sit beside it in HTML. The same numbers are in a
// table underneath for screen readers.
import { DataTable, type Column } from "./data-table";

export type ChartSeries = { key: string; label: string; color: string };
export type ChartBucket = { label: string; values: Record<string, number> };

const HEIGHT = 180;
const TOP = 10;
const BOTTOM = 22;

/** 4, 5, 10, 20, 50, 100... at or above `value`, so the axis has round ticks. */
export function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

const pct = (n: number) => `${n.toFixed(3)}%`;

export function BarChart({
  title,
  series,
  buckets,
  testId,
}: {
  title: string;
  series: ChartSeries[];
  buckets: ChartBucket[];
  testId?: string;
}) {
  const totals = buckets.map((b) => series.reduce((sum, s) => sum + (b.values[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = 100 / Math.max(1, buckets.length);
  const barW = slot * 0.7;
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  const labelEvery = Math.ceil(buckets.length / 8);
  return (
    <figure className="chart" data-testid={testId}>
      <div className="chart-body">
        <div className="chart-y" aria-hidden="true" style={{ height: HEIGHT }}>
          {ticks.map((tick) => (
            <span key={tick} style={{ top: y(tick) - 8 }}>
              {Number.isInteger(tick) ? tick : tick.toFixed(1)}
            </span>
          ))}
        </div>
        <svg width="100%" height={HEIGHT} role="img" aria-label={title}>
          <title>{title}</title>
          {ticks.map((tick) => (
            <line key={tick} x1="0" x2="100%" y1={y(tick)} y2={y(tick)} className="chart-grid" />
          ))}
          {buckets.map((bucket, i) => {
            const x = i * slot + (slot - barW) / 2;
            let base = 0;
            return (
              <g key={bucket.label + i}>
                {series.map((s) => {
                  const value = bucket.values[s.key] ?? 0;
                  if (value === 0) return null;
                  const rect = (
                    <rect key={s.key} x={pct(x)} width={pct(barW)} y={y(base + value)} height={y(base) - y(base + value)} fill={s.color} />
                  );
                  base += value;
                  return rect;
                })}
                {i % labelEvery === 0 ? (
                  <text x={pct(x + barW / 2)} y={HEIGHT - 6} textAnchor="middle" className="chart-axis">
                    {bucket.label}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption className="chart-legend">
        {series.map((s) => (
          <span key={s.key}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" /> {s.label} (
            {buckets.reduce((sum, b) => sum + (b.values[s.key] ?? 0), 0)})
          </span>
        ))}
      </figcaption>
      {/* In a div: a table with width 1px still lays out at its content's width. */}
      <div className="sr-only">
        <DataTable
          caption={title}
          columns={[
            { rowHeader: true, cell: (bucket) => bucket.label },
            ...series.map((s): Column<ChartBucket> => ({ header: s.label, cell: (bucket) => bucket.values[s.key] ?? 0 })),
          ]}
          rows={buckets}
          rowKey={(bucket, i) => bucket.label + i}
        />
      </div>
    </figure>
  );
}
