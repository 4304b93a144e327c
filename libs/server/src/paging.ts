import { badRequest } from './domain-error.js';

/** A page of a list: zero-based `page`, `size` items per page. */
export interface PageRequest {
  page: number;
  size: number;
  /** Rows to skip: `page * size`. */
  offset: number;
}

/** The figures of a page, named as ecr's `/statuses` names them. */
export interface PageFigures {
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
  first: boolean;
  last: boolean;
}

export interface PageLimits {
  /** Page size when `size` is absent. */
  defaultSize: number;
  /** Largest `size` accepted. */
  maxSize: number;
}

// Pages past this are refused: OFFSET still reads every skipped row.
const MAX_PAGE = 1_000_000;

function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(value);
}

/** Reads the `page` and `size` query parameters; 400 naming the parameter when one is bad. */
export function pageRequest(query: { page?: string; size?: string }, limits: PageLimits): PageRequest {
  const page = nonNegativeInt('page', query.page) ?? 0;
  if (page > MAX_PAGE) throw badRequest(`page must be at most ${MAX_PAGE}`);
  const size = nonNegativeInt('size', query.size) ?? limits.defaultSize;
  if (size < 1 || size > limits.maxSize) throw badRequest(`size must be between 1 and ${limits.maxSize}`);
  return { page, size, offset: page * size };
}

export function pageFigures(request: PageRequest, totalElements: number): PageFigures {
  const totalPages = Math.ceil(totalElements / request.size);
  return { totalElements, totalPages, number: request.page, size: request.size, first: request.page === 0, last: request.page >= totalPages - 1 };
}

/**
 * Response headers carrying a page's figures, for lists whose body stays a bare JSON array (the
 * shape existing clients read): `X-Total-Elements`, `X-Total-Pages`, `X-Page-Number`, `X-Page-Size`.
 */
export function pageHeaders(figures: PageFigures): Record<string, string> {
  return {
    'x-total-elements': String(figures.totalElements),
    'x-total-pages': String(figures.totalPages),
    'x-page-number': String(figures.number),
    'x-page-size': String(figures.size),
  };
}

/** One page of a list and its figures. */
export interface Page<T> {
  content: T[];
  figures: PageFigures;
}

/**
 * Answers a page as a bare JSON array (the shape existing clients read) with its figures in
 * `pageHeaders`; `reply` is the framework's response (Fastify's `reply.headers`).
 */
export async function pagedBody<T>(reply: { headers(values: Record<string, string>): unknown }, page: Page<T> | Promise<Page<T>>): Promise<T[]> {
  const { content, figures } = await page;
  reply.headers(pageHeaders(figures));
  return content;
}
