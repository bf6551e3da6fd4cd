// The body of a page as the same-site comparison sees it: the parts that change from one
// response to the next on the same server (script nonces, CSRF tokens, ASP.NET view state,
// timestamps) replaced by a fixed mark, then cut into tokens (a tag, or a run of text without
// white space). Pure text work; what counts as similar is similarity.ts's.

/** Hidden fields and meta tags whose value is per response (ASP.NET, Rails, Django, Laravel, ...). */
const VOLATILE_NAME =
  /^(__viewstate|__viewstategenerator|__eventvalidation|__requestverificationtoken|authenticity_token|csrfmiddlewaretoken|csrf[-_]?token|_csrf|_token|xsrf[-_]?token|nonce)$/i;

const MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";

const replacements: ReadonlyArray<readonly [RegExp, string | ((match: string) => string)]> = [
  // CSP nonces (CSP Level 3, nonce-source): the attribute, and the header-like source in inline text.
  [/\bnonce\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, 'nonce="~"'],
  [/'nonce-[A-Za-z0-9+/=_-]+'/g, "'nonce-~'"],
  // Hidden inputs and meta tags that carry a per-response token.
  [/<input\b[^>]*>/gi, (tag) => blankAttribute(tag, "value")],
  [/<meta\b[^>]*>/gi, (tag) => blankAttribute(tag, "content")],
  // Tokens set in inline script: csrfToken: "...", window._token = '...'.
  [
    /\b(csrf[-_]?token|xsrf[-_]?token|authenticity_token|_token|nonce)(["']?\s*[:=]\s*)(["'])[^"']*\3/gi,
    "$1$2$3~$3",
  ],
  // ISO 8601 date-times, HTTP dates (RFC 9110), clock times, Unix times in s or ms.
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, "~time~"],
  [
    new RegExp(
      `\\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{1,2} (${MONTHS}) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\\b`,
      "g",
    ),
    "~time~",
  ],
  [/\b\d{1,2}:\d{2}:\d{2}\b/g, "~time~"],
  [/\b1\d{9}(\d{3})?\b/g, "~time~"],
];

/** The value of `attribute` blanked when the tag's name or id is a volatile one. */
function blankAttribute(tag: string, attribute: "value" | "content"): string {
  const name = /\b(?:name|id|property)\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1];
  if (!name || !VOLATILE_NAME.test(name)) return tag;
  return tag.replace(
    new RegExp(`\\b${attribute}\\s*=\\s*("[^"]*"|'[^']*'|[^\\s>]+)`, "i"),
    `${attribute}="~"`,
  );
}

/** The body with its volatile parts replaced by a fixed mark. */
export function normaliseBody(body: string): string {
  let text = body;
  for (const [pattern, replacement] of replacements)
    text =
      typeof replacement === "string"
        ? text.replace(pattern, replacement)
        : text.replace(pattern, replacement);
  return text;
}

/** Tokens of a normalised body: each tag whole, each run of other text without white space. */
export function tokens(normalised: string): string[] {
  return normalised.match(/<[^>]*>|[^\s<]+/g) ?? [];
}
