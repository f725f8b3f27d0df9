/** How a benchmark describes itself to `npm run bench -- --help`. */
export interface BenchmarkAbout {
  summary: string;
  /** Environment variables that change what it measures, with what they do. */
  knobs: Record<string, string>;
}
