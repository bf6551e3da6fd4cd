// Splits a mysqldump file, fed line by line, into its SQL statements with the
// line each starts on; comments (and /*! ... */ version comments) dropped, line
// ends kept. Holds one statement at a time, never the file: mysqldump writes at
// most about a megabyte a statement (net_buffer_length). Knows no table.

export interface DumpStatement {
  /** The text without its `;`, comments blanked out but their line ends kept. */
  readonly sql: string;
  /** The file's line of sql's first character. */
  readonly firstLine: number;
}

/** The file line of a position in a statement; asked at rising positions, it counts each line end once. */
export class LineCounter {
  #at = 0;
  #line: number;
  constructor(private readonly statement: DumpStatement) {
    this.#line = statement.firstLine;
  }
  lineAt(position: number): number {
    const sql = this.statement.sql;
    if (position < this.#at) return new LineCounter(this.statement).lineAt(position);
    for (; this.#at < position && this.#at < sql.length; this.#at++)
      if (sql.charCodeAt(this.#at) === NEWLINE) this.#line++;
    return this.#line;
  }
}

const NEWLINE = 10;
const BACKSLASH = 92;
const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

type State = "code" | "block-comment" | "'" | '"' | "`";

export class StatementSplitter {
  #state: State = "code";
  #parts: string[] = [];
  #firstLine = 1;
  #hasCode = false;
  #line = 0;

  /** The statements that this line (without its line end) completes. */
  *line(text: string): Generator<DumpStatement> {
    this.#line++;
    if (this.#parts.length === 0) this.#firstLine = this.#line;
    let from = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const state = this.#state;
      if (state === "block-comment") {
        const end = text.indexOf("*/", i);
        if (end < 0) {
          i = from = n;
          break;
        }
        this.#state = "code";
        i = from = end + 2;
        continue;
      }
      if (state !== "code") {
        // Inside a quoted value or name: find its end; a backslash escapes (not in `names`).
        const quote = state.charCodeAt(0);
        let j = i;
        while (j < n) {
          const code = text.charCodeAt(j);
          if (code === quote) break;
          j += code === BACKSLASH && state !== "`" ? 2 : 1;
        }
        // Not closed on this line: the value goes on (a backslash last escaped the line end).
        if (j >= n) {
          i = n;
          break;
        }
        this.#state = "code";
        i = j + 1;
        continue;
      }
      const code = text.charCodeAt(i);
      if (code === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
        const after = text.charCodeAt(i + 2);
        if (!this.#hasCode || Number.isNaN(after) || isSpace(after)) {
          this.#parts.push(text.slice(from, i));
          i = from = n;
          break;
        }
      }
      if (code === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
        this.#parts.push(text.slice(from, i));
        this.#state = "block-comment";
        i += 2;
        from = i;
        continue;
      }
      if (code === 59 /* ; */) {
        this.#parts.push(text.slice(from, i));
        const statement = this.#take();
        if (statement) yield statement;
        this.#firstLine = this.#line;
        i = from = i + 1;
        continue;
      }
      if (code === 39 || code === 34 || code === 96) this.#state = text[i] as State;
      if (!isSpace(code)) this.#hasCode = true;
      i++;
    }
    if (from < n) this.#parts.push(text.slice(from));
    this.#parts.push("\n");
  }

  /** The last statement, when the file does not end with `;`. */
  *end(): Generator<DumpStatement> {
    const statement = this.#take();
    if (statement) yield statement;
  }

  #take(): DumpStatement | undefined {
    const sql = this.#parts.join("");
    const hasCode = this.#hasCode;
    this.#parts = [];
    this.#hasCode = false;
    return hasCode ? { sql, firstLine: this.#firstLine } : undefined;
  }
}
