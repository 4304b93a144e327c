export { API_PREFIX, createHttpApp, type HttpAppOptions } from './bootstrap.js';
export { DomainError, badRequest, conflict, notFound, statusOf, validationFailed, type ErrorCode, type Violation } from './domain-error.js';
export { acceptMergePatch, MERGE_PATCH_MEDIA_TYPE } from './merge-patch.js';
export { HttpErrorFilter } from './http-exception.filter.js';
export { pageFigures, pageHeaders, pagedBody, pageRequest, type Page, type PageFigures, type PageLimits, type PageRequest } from './paging.js';
