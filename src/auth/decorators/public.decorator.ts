import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';
/** Marks a route that needs no login (every other route does: the JWT guard is global). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
