import { DomainError } from './domain-error.js';
import { pageFigures, pageRequest } from './paging.js';

describe('pageRequest', () => {
  const limits = { defaultSize: 20, maxSize: 100 };

  it('defaults to the first page of the default size', () => {
    expect(pageRequest({}, limits)).toEqual({ page: 0, size: 20, offset: 0 });
    expect(pageRequest({ page: '3', size: '10' }, limits)).toEqual({ page: 3, size: 10, offset: 30 });
  });

  it.each([{ size: '0' }, { size: '101' }, { size: '-1' }, { size: '1.5' }, { page: 'x' }, { page: '-1' }, { page: '1000001' }])('refuses %j with 400', (query) => {
    expect(() => pageRequest(query, limits)).toThrow(DomainError);
  });
});

describe('pageFigures', () => {
  it('counts pages and marks the first and the last', () => {
    expect(pageFigures({ page: 1, size: 10, offset: 10 }, 25)).toEqual({ totalElements: 25, totalPages: 3, number: 1, size: 10, first: false, last: false });
    expect(pageFigures({ page: 0, size: 10, offset: 0 }, 0)).toEqual({ totalElements: 0, totalPages: 0, number: 0, size: 10, first: true, last: true });
  });
});
