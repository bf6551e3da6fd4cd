import assert from "node:assert/strict";
import { test } from "node:test";
import { ehloKeywords, SmtpReplyParser } from "./smtp-reply.js";

const bytes = (text: string) => Buffer.from(text, "latin1");

test("single and multi-line replies, split anywhere", () => {
  const parser = new SmtpReplyParser();
  assert.deepEqual(parser.push(bytes("220 mx.example ESMTP\r\n250-mx")), [
    { kind: "reply", reply: { code: 220, lines: ["mx.example ESMTP"] } },
  ]);
  const [ehlo] = parser.push(bytes(".example\r\n250-SIZE 10240000\r\n250-starttls\r\n250 8BITMIME\r\n"));
  assert.ok(ehlo?.kind === "reply");
  assert.equal(ehlo.reply.code, 250);
  assert.deepEqual(ehloKeywords(ehlo.reply), ["SIZE", "STARTTLS", "8BITMIME"]);
});

test("bare LF and a code without text are accepted", () => {
  assert.deepEqual(new SmtpReplyParser().push(bytes("220\n")), [
    { kind: "reply", reply: { code: 220, lines: [""] } },
  ]);
});

test("binary data is garbage", () => {
  const [event] = new SmtpReplyParser().push(Buffer.from([0x16, 0x03, 0x01, 0x00]));
  assert.equal(event, undefined, "no line yet");
  const [binary] = new SmtpReplyParser().push(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x0a, 0x0a]));
  assert.equal(binary?.kind === "failure" && binary.failure, "garbage");
  const [text] = new SmtpReplyParser().push(bytes("SSH-2.0-OpenSSH_9.2\r\n"));
  assert.equal(text?.kind === "failure" && text.failure, "garbage");
});

test("a line that never ends is cut at 1000 bytes", () => {
  const parser = new SmtpReplyParser();
  assert.deepEqual(parser.push(bytes(`220 ${"x".repeat(900)}`)), []);
  const [event] = parser.push(bytes("x".repeat(200)));
  assert.equal(event?.kind === "failure" && event.failure, "line_too_long");
  assert.deepEqual(parser.push(bytes("\r\n220 late\r\n")), [], "nothing after a failure");
});

test("endless continuation lines end at 100", () => {
  const parser = new SmtpReplyParser();
  const events = parser.push(bytes("250-more\r\n".repeat(150)));
  assert.equal(events.length, 1);
  assert.equal(events[0]?.kind === "failure" && events[0].failure, "too_many_lines");
});
