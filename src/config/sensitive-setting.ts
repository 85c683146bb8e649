const SENSITIVE = Symbol('sensitive-settings');

type WithSensitive = { [SENSITIVE]?: Set<string> };

/**
 * Marks a setting as secret where it is declared (the env schema): its value is never printed, not even
 * in the message of a failed validation.
 */
export function Sensitive(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    const holder = target as WithSensitive;
    holder[SENSITIVE] = new Set([...(holder[SENSITIVE] ?? []), String(property)]);
  };
}

/** Names of the settings a schema class declares @Sensitive(). */
export function sensitiveSettingsOf(schema: abstract new () => object): ReadonlySet<string> {
  return new Set((schema.prototype as WithSensitive)[SENSITIVE] ?? []);
}
