import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { normaliseBody, tokens } from "./normalise.js";
import { MAX_COMPARED_TOKENS, similarity } from "./similarity.js";

const words = (text: string) => text.split(" ").filter(Boolean);

describe("similarity (token LCS ratio, decision 015)", () => {
  it("is 100 for equal lists, both empty included, and 0 with nothing in common", () => {
    assert.equal(similarity([], []), 100);
    assert.equal(similarity(words("a b c"), words("a b c")), 100);
    assert.equal(similarity(words("a b c"), words("x y z")), 0);
    assert.equal(similarity(words("a b"), []), 0);
  });

  it("counts order, where difflib's quick_ratio counts only shared items", () => {
    // The same six tokens reversed: quick_ratio would say 100; the LCS is one token long.
    assert.equal(Math.round(similarity(words("a b c d e f"), words("f e d c b a")) * 100) / 100, 16.67);
  });

  it("is 2 * LCS / (n + m) on a hand-worked case", () => {
    // LCS of "a b c d" and "a c d e" is "a c d": 2 * 3 / 8 = 75.
    assert.equal(similarity(words("a b c d"), words("a c d e")), 75);
  });

  it("is symmetric, between 0 and 100, and 100 only for equal lists", () => {
    const list = fc.array(fc.constantFrom("a", "b", "c", "<p>", "</p>"), { maxLength: 40 });
    fc.assert(
      fc.property(list, list, (a, b) => {
        const s = similarity(a, b);
        assert.equal(s, similarity(b, a));
        assert.ok(s >= 0 && s <= 100);
        assert.equal(s === 100, a.join(" ") === b.join(" "));
      }),
    );
  });

  it("agrees with a plain dynamic-programming LCS", () => {
    const lcs = (a: string[], b: string[]) => {
      const row = new Array<number>(b.length + 1).fill(0);
      for (const x of a) {
        let diagonal = 0;
        for (let j = 1; j <= b.length; j++) {
          const above = row[j]!;
          row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
          diagonal = above;
        }
      }
      return row[b.length]!;
    };
    const list = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 });
    fc.assert(
      fc.property(list, list, (a, b) => {
        const expected = a.length + b.length === 0 ? 100 : (200 * lcs(a, b)) / (a.length + b.length);
        assert.ok(Math.abs(similarity(a, b) - expected) < 1e-9);
      }),
    );
  });

  it("never scores huge different middles as more alike than they are", () => {
    const a = Array.from({ length: MAX_COMPARED_TOKENS * 2 }, (_, i) => `a${i}`);
    const b = Array.from({ length: MAX_COMPARED_TOKENS * 2 }, (_, i) => `b${i}`);
    assert.equal(similarity(a, b), 0);
  });
});

describe("normaliseBody", () => {
  const same = (a: string, b: string) => assert.deepEqual(tokens(normaliseBody(a)), tokens(normaliseBody(b)));

  it("removes script nonces, CSP nonce sources and CSRF tokens", () => {
    same('<script nonce="r4nd0m1">x()</script>', '<script nonce="0ther">x()</script>');
    same(
      "<meta http-equiv=x content=\"script-src 'nonce-abc123'\">",
      "<meta http-equiv=x content=\"script-src 'nonce-zz9'\">",
    );
    same(
      '<input type="hidden" name="csrf_token" value="aaa">',
      '<input type="hidden" name="csrf_token" value="bbb">',
    );
    same('<meta name="csrf-token" content="t1">', '<meta name="csrf-token" content="t2">');
    same('<script>window.csrfToken = "abc";</script>', '<script>window.csrfToken = "def";</script>');
  });

  it("removes ASP.NET view state and event validation", () => {
    same(
      '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKLTk="><input type="hidden" name="__EVENTVALIDATION" value="/wEWAgL=">',
      '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPZZZ="><input type="hidden" name="__EVENTVALIDATION" value="/wEWQQ=">',
    );
  });

  it("removes timestamps: ISO 8601, HTTP dates, clock times, Unix times", () => {
    same("built 2026-12-01T18:03:38Z", "built 2026-12-02T09:00:01.123+01:00");
    same("at Tue, 01 Dec 2026 18:03:38 GMT", "at Wed, 02 Dec 2026 07:00:00 GMT");
    same("now 18:03:38", "now 9:00:01");
    same('data-t="1764612218"', 'data-t="1764612299123"');
  });

  it("keeps what is content: other inputs, other text", () => {
    assert.notDeepEqual(
      tokens(normaliseBody('<input name="q" value="one">')),
      tokens(normaliseBody('<input name="q" value="two">')),
    );
    assert.notDeepEqual(tokens(normaliseBody("<p>hello</p>")), tokens(normaliseBody("<p>bye</p>")));
  });

  it("cuts tags whole and text at white space", () => {
    assert.deepEqual(tokens('<p class="x">Hello  world</p>\n'), ['<p class="x">', "Hello", "world", "</p>"]);
  });
});
