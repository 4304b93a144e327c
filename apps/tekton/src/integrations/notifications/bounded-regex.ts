import { RE2JS } from 're2js';

/**
 * Tenant regexes with a bounded cost. RE2 is linear in the text, but the factor is the size of
 * the compiled program, and a short pattern can compile into a huge one (`.{999}` is a thousand
 * instructions; 36 such alternatives fit in 256 characters and took 0.5 s per 1 KiB summary).
 * So a pattern is refused when its program is larger than {@link MAX_PATTERN_PROGRAM}, and a
 * filter when its patterns together are larger than {@link MAX_FILTER_PROGRAM}.
 */
export const MAX_PATTERN_PROGRAM = 100;
export const MAX_FILTER_PROGRAM = 400;

export class PatternRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PatternRefused';
  }
}

/** A compiled pattern and the size of its RE2 program (instructions). */
export interface BoundedRegex {
  readonly pattern: string;
  readonly programSize: number;
  /** Whether the pattern occurs in the text; work at most programSize × text length. */
  find(text: string): boolean;
}

/** Compiles an RE2 pattern or throws {@link PatternRefused} saying why it cannot be used. */
export function compileBounded(pattern: string, maxProgram = MAX_PATTERN_PROGRAM): BoundedRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    throw new PatternRefused(`invalid RE2 regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`, { cause: error });
  }
  const programSize = re.programSize();
  if (programSize > maxProgram) {
    throw new PatternRefused(
      `pattern ${JSON.stringify(pattern)} compiles to ${programSize} RE2 instructions, more than ${maxProgram} (counted repetitions such as {n,m} count n to m times)`,
    );
  }
  return {
    pattern,
    programSize,
    // A matcher asks for the match position, which routes re2js to its bit-state backtracker or
    // NFA (cost bounded by program × text); test() takes the lazy DFA, whose state building on
    // hostile patterns cost 20-100× more and keeps up to 8 MB per pattern.
    find: (text) => re.matcher(text).find(),
  };
}
