/** Where in a value a string Postgres cannot store was found, and why. */
export interface UnstorableText {
  /** JSON pointer (RFC 6901) to the string or key. */
  pointer: string;
  problem: 'a NUL character' | 'an unpaired surrogate';
  /** The offending string is a key of an object, not a value. */
  inKey: boolean;
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Postgres text and jsonb hold neither U+0000 nor lone UTF-16 surrogates (they cannot be encoded
 * as UTF-8), so such a string would fail deep inside a query: find it at the edge instead.
 */
export function textProblem(text: string): UnstorableText['problem'] | undefined {
  if (text.includes('\u0000')) return 'a NUL character';
  if (UNPAIRED_SURROGATE.test(text)) return 'an unpaired surrogate';
  return undefined;
}

export const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A string (value or key) in a JSON-like value that Postgres cannot store. Iterative, so
 * a deeply nested value cannot overflow the stack.
 */
export function findUnstorableText(value: unknown, pointer = ''): UnstorableText | undefined {
  const stack: [unknown, string][] = [[value, pointer]];
  while (stack.length > 0) {
    const [current, at] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { pointer: at, problem, inKey: false };
    } else if (ArrayBuffer.isView(current)) {
      // Bytes (Avro `bytes`, Buffers) are not text.
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${at}/${i}`]);
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const childAt = `${at}/${pointerToken(key)}`;
        const problem = textProblem(key);
        if (problem) return { pointer: childAt, problem, inKey: true };
        stack.push([child, childAt]);
      }
    }
  }
  return undefined;
}

/** "…/name contains a NUL character" for logs and error messages. */
export function describeUnstorable(found: UnstorableText, what: string): string {
  return `${what}${found.pointer ? ` at ${found.pointer}` : ''}: ${found.inKey ? 'a key contains' : 'contains'} ${found.problem}, which cannot be stored`;
}
