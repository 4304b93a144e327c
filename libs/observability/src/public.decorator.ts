import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'kaa:isPublic';

/** Marks a route as reachable without a bearer token. Every other route is guarded. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
