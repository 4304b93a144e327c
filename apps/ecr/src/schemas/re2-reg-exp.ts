import type { Options } from 'ajv';
import { RE2JS } from 're2js';

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

/**
 * Schema `pattern` and `patternProperties` run on RE2 (re2js), not on JavaScript's backtracking
 * engine: `^(a+)+$` on 30 a's and a `!` held the event loop for over a minute. RE2 is linear in
 * the text, with the size of the compiled program as the factor, so a pattern's program is
 * bounded and each validation has a budget of program size × characters matched.
 */
export const MAX_SCHEMA_PATTERN_PROGRAM = 1000;
/** RE2 instructions × characters one validation may match: a few ms, ~15 ms at worst. */
export const MAX_PATTERN_WORK = 250_000;

/** A schema pattern RE2 cannot run (backreferences, lookarounds) or whose program is too large. */
export class SchemaPatternRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaPatternRefused';
  }
}

/** A document whose strings would take the schema's patterns too long to match. */
export class PatternWorkExceeded extends Error {
  constructor(readonly pattern: string) {
    super(`matching the schema's patterns against this document would take more than ${MAX_PATTERN_WORK} RE2 steps (instructions × characters); the last was ${JSON.stringify(pattern)}`);
    this.name = 'PatternWorkExceeded';
  }
}

/** The work left for the validation under way; validation is synchronous, so one per ajv instance. */
export class PatternBudget {
  private left = MAX_PATTERN_WORK;

  reset(): void {
    this.left = MAX_PATTERN_WORK;
  }

  charge(pattern: string, work: number): void {
    if (work > this.left) throw new PatternWorkExceeded(pattern);
    this.left -= work;
  }
}

/** ajv's `code.regExp`: compiles with RE2 (flags are ignored: RE2 is Unicode-aware) and charges `budget`. */
export function re2RegExp(budget: PatternBudget): RegExpEngine {
  const engine = (pattern: string) => {
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern);
    } catch (error) {
      throw new SchemaPatternRefused(
        `RE2 cannot compile pattern ${JSON.stringify(pattern)} (it supports neither backreferences nor lookarounds): ${(error as Error).message}`,
        { cause: error },
      );
    }
    const program = re.programSize();
    if (program > MAX_SCHEMA_PATTERN_PROGRAM) {
      throw new SchemaPatternRefused(`pattern ${JSON.stringify(pattern)} compiles to ${program} RE2 instructions, more than ${MAX_SCHEMA_PATTERN_PROGRAM}`);
    }
    return {
      test: (text: string) => {
        budget.charge(pattern, program * (text.length + 1));
        // A matcher routes re2js to its backtracker or NFA (cost bounded by program × text); test()
        // takes the lazy DFA, slower on hostile patterns and holding up to 8 MB per pattern.
        return re.matcher(text).find();
      },
      toString: () => pattern,
    };
  };
  // Only read for standalone code, which ECR does not generate.
  return Object.assign(engine, { code: 'require("re2js").RE2JS.compile' });
}
