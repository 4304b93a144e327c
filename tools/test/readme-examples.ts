// Extracts the shell examples of a README and turns them into scripts that record what each call
// answered, for docs.int-spec.ts.
//
// Rules (a README follows them, or the docs test fails):
// - every code fence names its language; ```bash / ```sh blocks are run, in order, unless the
//   fence says `norun` (```bash norun) — for commands that are not meant to run in the test
//   (npm start itself, docker-compose, ...);
// - each `curl` command states the status it answers in a comment `# NNN ...`, at the end of the
//   command or on the next line; another command may state `# status NNN[, more, ...]`: its
//   output must then contain `NNN` (at a line's start or after "status ") and each further part;
// - a block runs with `set -e`, so any other failing command fails it.

export interface Expectation {
  /** `README.md:42` */
  where: string;
  kind: 'curl' | 'output';
  status: string;
  /** For `output`: further parts of the comment that the output must contain. */
  parts: string[];
}

export interface Block {
  where: string;
  script: string;
}

export interface Extracted {
  blocks: Block[];
  expectations: Expectation[];
  problems: string[];
}

const EXPECT = /^#\s*(status\s+)?(\d{3})\b[,:]?\s*(.*)$/;

interface Command {
  line: number;
  text: string;
  comment?: string;
  endLine: number;
}

/** Splits shell text into commands: newlines end a command unless quoted or escaped. */
function commands(lines: string[], firstLine: number): Command[] {
  const out: Command[] = [];
  let current: Command | undefined;
  let quote: '"' | "'" | undefined;
  lines.forEach((raw, index) => {
    let code = '';
    let comment: string | undefined;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (quote) {
        if (c === quote) quote = undefined;
        else if (c === '\\' && quote === '"') {
          code += c + (raw[i + 1] ?? '');
          i++;
          continue;
        }
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) {
        comment = raw.slice(i).trim();
        break;
      }
      code += c;
    }
    const continued = !quote && /\\\s*$/.test(code);
    if (!current) {
      if (!code.trim()) {
        out.push({ line: firstLine + index, text: '', comment, endLine: firstLine + index });
        return;
      }
      current = { line: firstLine + index, text: '', endLine: firstLine + index };
    }
    current.text += (current.text ? '\n' : '') + code.trimEnd();
    current.endLine = firstLine + index;
    if (comment) current.comment = comment;
    if (!quote && !continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

export function extract(file: string, markdown: string, rewrite: (text: string) => string = (t) => t): Extracted {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const expectations: Expectation[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!fence) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    i = end;
    const [, lang, info] = fence;
    if (!lang) {
      problems.push(`${file}:${start + 1}: a code fence without a language (say \`\`\`bash norun, \`\`\`text, ...)`);
      continue;
    }
    if (!['bash', 'sh'].includes(lang) || /\bnorun\b/.test(info)) continue;
    const body = lines.slice(start + 1, end);
    const cmds = commands(body, start + 2);
    const script: string[] = [];
    cmds.forEach((cmd, k) => {
      if (!cmd.text) return;
      const where = `${file}:${cmd.line}`;
      const next = cmds[k + 1];
      const stated = [cmd.comment, next && !next.text ? next.comment : undefined].map((c) => (c ? EXPECT.exec(c) : null)).find(Boolean);
      const text = rewrite(cmd.text);
      if (/^curl\s/.test(cmd.text)) {
        if (!stated) {
          problems.push(`${where}: this curl states no status (end it with # 200, or say it on the next line)`);
          return;
        }
        expectations.push({ where, kind: 'curl', status: stated[2], parts: [] });
        script.push(`__curl ${stated[2]} ${expectations.length - 1} ${text.replace(/^curl\s+/, '')}`);
      } else if (/(^|[^\w-])curl\s/.test(cmd.text)) {
        problems.push(`${where}: curl must start its command (the docs test records its answer)`);
      } else if (stated) {
        expectations.push({ where, kind: 'output', status: stated[2], parts: stated[3] ? stated[3].split(/,\s+/).filter(Boolean) : [] });
        const out = `"$KAA_DOCS_OUT/out-${expectations.length - 1}"`;
        script.push(`{ ${text}\n} > ${out}; cat ${out}; printf 'output\\t%s\\t\\n' ${expectations.length - 1} >> "$KAA_DOCS_OUT/results"`);
      } else {
        script.push(text);
      }
    });
    blocks.push({ where: `${file}:${start + 1}`, script: script.join('\n') });
  }
  return { blocks, expectations, problems };
}

/** Defines __curl: runs curl, keeps the status for the test, retries a GET until it answers as stated (15 s). */
export const PRELUDE = String.raw`set -e
__n=0
__curl() {
  local want="$1" index="$2"; shift 2
  local retry=1 a
  for a in "$@"; do case "$a" in -X|-d|--data|--data-*|-F|-T|--json) retry=0;; esac; done
  __n=$((__n+1))
  local hdr="$KAA_DOCS_OUT/c$__n.h" body="$KAA_DOCS_OUT/c$__n.b" status rc deadline=$((SECONDS+15))
  while :; do
    rc=0
    : > "$hdr"
    command curl -D "$hdr" -o "$body" "$@" || rc=$?
    status=$(awk '/^HTTP\//{s=$2} END{print s}' "$hdr")
    if [ "$status" = "$want" ] || [ "$retry" = 0 ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
    sleep 0.2
  done
  cat "$body" 2>/dev/null || true
  printf 'curl\t%s\t%s\n' "$index" "$status" >> "$KAA_DOCS_OUT/results"
  return $rc
}
`;
