// The one function parse-prometheus-text-format exports (it ships no types): Prometheus' text
// format as prom2json's objects. Used by the tests to read /api/metrics as a scraper would.
declare module "parse-prometheus-text-format" {
  export type PrometheusSample = {
    value?: string;
    labels?: Record<string, string>;
    /** Histograms: upper bound (le) → cumulative count. */
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  };
  export type PrometheusFamily = {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: PrometheusSample[];
  };
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
