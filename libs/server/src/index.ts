export { API_PREFIX, createHttpApp, type HttpAppOptions } from './bootstrap.js';
export { DomainError, badRequest, conflict, notFound, statusOf, validationFailed, type ErrorCode, type Violation } from './domain-error.js';
export { HttpErrorFilter } from './http-exception.filter.js';
export { pageFigures, pageHeaders, pagedBody, pageRequest, type Page, type PageFigures, type PageLimits, type PageRequest } from './paging.js';
export { DependencyUnavailableError, RETRY_AFTER_SECONDS, unavailableDependency, unavailableMessage, type Dependency } from './dependency-failure.js';
export { MAX_JSON_DEPTH, MERGE_PATCH_MEDIA_TYPE, guardInputs, jsonDepthExceeds } from './input-guard.js';
export { describeUnstorable, findUnstorableText, textProblem, type UnstorableText } from './storable-text.js';
export { isUnstorableMessage } from './unstorable-message.js';
