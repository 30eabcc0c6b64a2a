import { describe, expect, it } from 'vitest';
import { searchQueryOf, searchTextOf } from './search-text.ts';

describe('inbox search text', () => {
  it('splits addresses and file names into words', () => {
    const t = searchTextOf({
      subject: 'Claim 42',
      fromName: 'Jan',
      fromAddress: 'jan.peeters@example.be',
      attachmentNames: ['invoice_2024.pdf'],
    });
    expect(t.split(' ')).toEqual(
      expect.arrayContaining(['peeters', 'example', 'invoice', '2024', 'pdf', 'jan.peeters@example.be']),
    );
  });
  it('makes a query of letters and digits only, the last word a prefix', () => {
    expect(searchQueryOf("Peet' & | !(x) Dégât")).toBe('peet & x & dégât:*');
    expect(searchQueryOf(' &|! ')).toBeNull();
  });
});
