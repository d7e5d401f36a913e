// Customer attributes are merged, never replaced: keys given are set, the others kept, and a key
// given as null is removed (docs/customer-data.md).

export type AttributePatch = Record<string, unknown>;

export function mergeAttributes(existing: Record<string, unknown>, patch: AttributePatch | undefined): Record<string, unknown> {
  if (!patch) return existing;
  const merged: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Two patches applied one after the other, as one (a later null still removes). */
export function combinePatches(first: AttributePatch, second: AttributePatch): AttributePatch {
  return { ...first, ...second };
}
