import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256, sha256Async } from "../../src/io/sha256.js";

test("the plain-JavaScript SHA-256 equals node:crypto's at every padding boundary", () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
    assert.equal(Buffer.from(sha256(bytes)).toString("hex"), createHash("sha256").update(bytes).digest("hex"), `length ${n}`);
  }
});

test("sha256Async (WebCrypto where present) gives the same digest, also for a view into a larger buffer", async () => {
  const whole = Uint8Array.from({ length: 5000 }, (_, i) => (i * 37) & 0xff);
  for (const bytes of [new Uint8Array(0), whole, whole.subarray(13, 4097)]) {
    assert.deepEqual(await sha256Async(bytes), sha256(bytes));
    assert.equal(Buffer.from(await sha256Async(bytes)).toString("hex"), createHash("sha256").update(bytes).digest("hex"));
  }
});
