import { SetMetadata } from '@nestjs/common';

export const ADMIN_ONLY = 'adminOnly';
/** Restricts a route to users with `is_admin`. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
