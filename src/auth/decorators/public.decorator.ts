import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { PUBLIC_EXTENSION } from '../../common/openapi/openapi-completion';

export const IS_PUBLIC = 'isPublic';
/** Marks a route that needs no login (every other route does: the JWT guard is global); documented with `security: []`. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
