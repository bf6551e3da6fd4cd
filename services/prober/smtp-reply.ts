// SMTP replies (RFC 5321 4.2) read from a byte stream, pure: bytes in, complete replies out.
// It is built for hostile peers: a line longer than 1000 octets, a reply of more than 100
// lines, more than 64 KiB in all, or bytes that are not reply lines end the dialogue with a
// reason instead of growing a buffer or waiting for a line that never ends.

export interface SmtpReply {
  readonly code: number;
  /** Text after the code of each line, in order. */
  readonly lines: readonly string[];
}

export type SmtpFailure = "garbage" | "line_too_long" | "too_many_lines";
export type ParsedReply =
  | { kind: "reply"; reply: SmtpReply }
  | { kind: "failure"; failure: SmtpFailure; detail: string };

// RFC 5321 4.5.3.1.5 allows 512 octets per reply line; real servers stay well inside 1000.
const MAX_LINE = 1000;
const MAX_LINES = 100;
const MAX_TOTAL = 64 * 1024;
const LINE = /^(\d{3})(?:([ -])(.*))?$/s;

export class SmtpReplyParser {
  private pending = Buffer.alloc(0);
  private lines: string[] = [];
  private code = 0;
  private total = 0;
  private failed = false;

  /** Feeds bytes; returns every reply (or the one failure) they complete. */
  push(chunk: Uint8Array): ParsedReply[] {
    if (this.failed) return [];
    this.total += chunk.length;
    if (this.total > MAX_TOTAL) return this.fail("too_many_lines", `more than ${MAX_TOTAL} bytes of replies`);
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: ParsedReply[] = [];
    for (;;) {
      const newline = this.pending.indexOf(0x0a);
      if (newline < 0) {
        if (this.pending.length > MAX_LINE)
          return [...out, ...this.fail("line_too_long", `a line of more than ${MAX_LINE} bytes`)];
        return out;
      }
      if (newline > MAX_LINE) return [...out, ...this.fail("line_too_long", `a line of ${newline} bytes`)];
      let end = newline;
      if (end > 0 && this.pending[end - 1] === 0x0d) end--;
      const raw = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(newline + 1);
      // Control characters (NUL, escape, ...) mean this is not a text protocol talking.
      if (raw.some((byte) => byte < 0x20 && byte !== 0x09) || raw.includes(0x7f))
        return [...out, ...this.fail("garbage", `binary data: ${printable(raw)}`)];
      const text = raw.toString("utf8");
      const match = LINE.exec(text);
      if (!match) return [...out, ...this.fail("garbage", `not a reply line: ${printable(raw)}`)];
      const code = Number(match[1]);
      if (this.lines.length === 0) this.code = code;
      this.lines.push(match[3] ?? "");
      if (this.lines.length > MAX_LINES)
        return [...out, ...this.fail("too_many_lines", `more than ${MAX_LINES} lines in one reply`)];
      if (match[2] !== "-") {
        out.push({ kind: "reply", reply: { code: this.code, lines: this.lines } });
        this.lines = [];
      }
    }
  }

  private fail(failure: SmtpFailure, detail: string): ParsedReply[] {
    this.failed = true;
    this.pending = Buffer.alloc(0);
    return [{ kind: "failure", failure, detail }];
  }
}

/** The first bytes of a line, safe to log and store. */
export function printable(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes.subarray(0, 60)).toString("latin1"));
}

/** EHLO keywords (RFC 5321 4.1.1.1): the first word of every line after the first. */
export function ehloKeywords(reply: SmtpReply): string[] {
  return reply.lines.slice(1).map((line) => (line.trim().split(/\s+/)[0] ?? "").toUpperCase());
}
