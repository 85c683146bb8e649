import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ADMIN_ONLY_EXTENSION } from '../../common/openapi/openapi-completion';

export const ADMIN_ONLY = 'adminOnly';
/** Restricts a route to users with `is_admin` (403 otherwise, documented on the operation). */
export const AdminOnly = () => applyDecorators(SetMetadata(ADMIN_ONLY, true), ApiExtension(ADMIN_ONLY_EXTENSION, true));
