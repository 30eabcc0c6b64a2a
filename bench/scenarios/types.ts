import type { Row } from '../lib/report.ts';

export interface ScenarioResult {
  name: string;
  /** One line on sizes and conditions, shown above the table. */
  summary: string;
  rows: Row[];
  data: Record<string, unknown>;
}
