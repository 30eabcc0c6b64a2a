import { describe, expect, it } from 'vitest';
import { jobCatalog } from './catalog.ts';
import { jobHandlers } from './registry.ts';
import { JobCatalogError, assertCatalogComplete } from './runtime.ts';

describe('job catalog', () => {
  it('has a handler for every job, and no handler without a job', () => {
    expect(() => assertCatalogComplete(jobCatalog, jobHandlers)).not.toThrow();
  });
  it('fails the boot when a catalog entry has no handler', () => {
    const { housekeeping: _dropped, ...rest } = jobHandlers;
    expect(() => assertCatalogComplete(jobCatalog, rest)).toThrow(
      new JobCatalogError('job catalog entries without a handler: housekeeping'),
    );
  });
  it('fails the boot when a handler is not in the catalog', () => {
    expect(() =>
      assertCatalogComplete(jobCatalog, { ...jobHandlers, 'sync.folder': async () => {} }),
    ).toThrow(/not in the catalog: sync.folder/);
  });
});
