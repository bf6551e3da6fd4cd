// The mysqldump statement splitter on hand-written lines: comments of every
// kind, quotes holding `;`, `--` and `/*`, values over several lines, and the
// file line of each statement and of each tuple.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DumpStatement, LineCounter, StatementSplitter } from "./dump-statements.js";

function split(lines: string[]): DumpStatement[] {
  const splitter = new StatementSplitter();
  const out: DumpStatement[] = [];
  for (const line of lines) out.push(...splitter.line(line));
  out.push(...splitter.end());
  return out;
}

const firstCode = (statement: DumpStatement) => new LineCounter(statement).lineAt(statement.sql.search(/\S/));

describe("StatementSplitter", () => {
  it("drops comments and keeps the line of every statement", () => {
    const got = split([
      "-- MySQL dump 10.13", // 1
      "/*!40101 SET NAMES utf8mb4 */;", // 2: a version comment only: no statement
      "", // 3
      "DROP TABLE IF EXISTS `T`; /* trailing */ CREATE TABLE `T` (", // 4
      "  `a` int NOT NULL -- a column", // 5
      ") ENGINE=MyISAM;", // 6
      "LOCK TABLES `T` WRITE;", // 7
      "INSERT INTO `T` VALUES (1),", // 8
      "(2)", // 9
    ]);
    assert.deepEqual(
      got.map((s) => [firstCode(s), s.sql.replace(/\s+/g, " ").trim()]),
      [
        [4, "DROP TABLE IF EXISTS `T`"],
        [4, "CREATE TABLE `T` ( `a` int NOT NULL ) ENGINE=MyISAM"],
        [7, "LOCK TABLES `T` WRITE"],
        [8, "INSERT INTO `T` VALUES (1), (2)"], // the last statement has no `;`
      ],
    );
  });

  it("leaves quoted text alone: ; -- /* and escaped quotes, over several lines", () => {
    const got = split([
      "INSERT INTO `T` VALUES ('a;b','c -- d','e /* f */',", // 1
      "'it\\'s', \"x;y\", 'two", // 2
      "lines'), (`;`);", // 3
      "SELECT 1--2;", // 4: `--` not followed by a space is an operator, not a comment
    ]);
    assert.deepEqual(
      got.map((s) => s.sql),
      [
        "INSERT INTO `T` VALUES ('a;b','c -- d','e /* f */',\n'it\\'s', \"x;y\", 'two\nlines'), (`;`)",
        "\nSELECT 1--2",
      ],
    );
    const counter = new LineCounter(got[0]!);
    assert.deepEqual(
      [counter.lineAt(0), counter.lineAt(got[0]!.sql.indexOf("(`;`)")), firstCode(got[1]!)],
      [1, 3, 4],
    );
  });

  it("gives each statement as soon as its line is read, holding no other", () => {
    const splitter = new StatementSplitter();
    assert.deepEqual([...splitter.line("INSERT INTO `T` VALUES (1);INSERT INTO `T`")].length, 1);
    assert.deepEqual(
      [...splitter.line(" VALUES (2);")].map((s) => s.sql),
      ["INSERT INTO `T`\n VALUES (2)"],
    );
    assert.deepEqual([...splitter.end()], []);
  });
});
