import type { EntityMetadata } from 'typeorm';

/**
 * Text values cut to their column's declared length (the entity is the one place column lengths live), so a
 * long value from Bitrix is stored shortened instead of failing the whole row.
 */
export function fitToColumns<T extends object>(metadata: EntityMetadata, values: T): T {
  const out = { ...values } as Record<string, unknown>;
  for (const column of metadata.columns) {
    const value = out[column.propertyName];
    const max = Number(column.length);
    if (typeof value === 'string' && max > 0 && value.length > max) out[column.propertyName] = value.slice(0, max);
  }
  return out as T;
}
