import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** A `${NAME}` with no value and no default, where it was found. */
export interface UnsetVariable {
  name: string;
  node: Node;
  path: (string | number)[];
}

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Fills `${NAME}` and `${NAME:-default}` in one string; `$${` is a literal `${`. */
export function substitute(
  text: string,
  variables: Record<string, string | undefined>,
  unset: (name: string) => void,
): string {
  return text.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = variables[name as string];
    // Like the shell: `:-` also replaces an empty value.
    if (value !== undefined && (value !== '' || fallback === undefined)) return value;
    if (fallback !== undefined) return fallback;
    unset(name as string);
    return '';
  });
}

/**
 * Substitutes variables in every string scalar of a parsed YAML tree, in place, so the
 * nodes keep their positions for error messages. Keys are left alone.
 */
export function substituteTree(
  root: unknown,
  variables: Record<string, string | undefined>,
): UnsetVariable[] {
  const found: UnsetVariable[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.includes('${')) {
        node.value = substitute(node.value, variables, (name) => found.push({ name, node, path }));
      }
    } else if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? item.key.value : item.key;
        walk(item.value, [...path, String(key)]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    }
  };
  walk(root, []);
  return found;
}
