export interface ResourceToWatch {
  group: string;
  version: string;
  /** Plural API resource name (`kymas`), or `*`. */
  resource: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Kubernetes' default plural of a kind (what `kubectl api-resources` lists for most kinds). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * An event carries a kind, a watcher names a resource: they match when the groups are equal, the
 * versions are equal (or the watcher says `*`), and the resource is the kind's plural, the
 * lower-cased kind itself, or `*`.
 */
export function matchesGvk(watch: ResourceToWatch, gvk: GroupVersionKind): boolean {
  if (watch.group !== gvk.group) return false;
  if (watch.version !== '*' && watch.version !== gvk.version) return false;
  const resource = watch.resource.toLowerCase();
  return resource === '*' || resource === pluralOf(gvk.kind) || resource === gvk.kind.toLowerCase();
}
