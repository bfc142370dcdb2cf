import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { type BreakerChange, CircuitBreaker } from "../../src/resilience/breaker.ts";

const fail = (kind: SwebenchError["kind"]) => () =>
  Promise.reject(new SwebenchError(kind, `${kind} failure`));
const ok = () => Promise.resolve("ok");

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

Deno.test("breaker: opens after N consecutive counted failures and fails fast", async () => {
  const c = clock();
  const changes: BreakerChange[] = [];
  const b = new CircuitBreaker({
    endpoint: "openai:gpt-4o-mini",
    threshold: 3,
    cooldownMs: 1000,
    now: c.now,
    onStateChange: (x) => changes.push(x),
  });
  let calls = 0;
  const counted = () => {
    calls++;
    return Promise.reject(new SwebenchError("server", "500"));
  };
  for (let i = 0; i < 3; i++) await assert.rejects(b.execute(counted), /500/);
  assert.equal(b.state, "open");
  assert.equal(calls, 3);
  const e = await b.execute(counted).catch((e) => e);
  assert.ok(e instanceof SwebenchError);
  assert.equal(e.kind, "breaker_open", "an open breaker is its own failure kind, not overloaded");
  assert.equal(
    e.message,
    "circuit open for openai:gpt-4o-mini after 3 consecutive failures (last: 500); next probe in 1 s",
  );
  assert.equal(e.exitCode, 1);
  assert.match(e.hint, /cool-down/);
  assert.equal(e.retryAfterMs, 1000);
  assert.ok(e.retryable && e.fallback);
  assert.equal(calls, 3, "an open breaker does not call");
  assert.deepEqual(changes.map((x) => `${x.from}->${x.to}`), ["closed->open"]);
  assert.equal(changes[0].failures, 3);
});

Deno.test("breaker: a success resets the count", async () => {
  const b = new CircuitBreaker({ endpoint: "e", threshold: 3, now: clock().now });
  await assert.rejects(b.execute(fail("server")));
  await assert.rejects(b.execute(fail("timeout")));
  await b.execute(ok);
  await assert.rejects(b.execute(fail("connection")));
  await assert.rejects(b.execute(fail("overloaded")));
  assert.equal(b.state, "closed");
  assert.equal(b.failures, 2);
});

Deno.test("breaker: authentication, invalid request and context length errors do not count", async () => {
  const b = new CircuitBreaker({ endpoint: "e", threshold: 2, now: clock().now });
  for (let i = 0; i < 10; i++) {
    await assert.rejects(b.execute(fail("authentication")));
    await assert.rejects(b.execute(fail("invalid_request")));
    await assert.rejects(b.execute(fail("context_length")));
  }
  assert.equal(b.state, "closed");
  assert.equal(b.failures, 0);
  // ...nor do they reset a count in progress.
  await assert.rejects(b.execute(fail("server")));
  await assert.rejects(b.execute(fail("authentication")));
  await assert.rejects(b.execute(fail("server")));
  assert.equal(b.state, "open");
});

Deno.test("breaker: half-open admits exactly one probe; success closes", async () => {
  const c = clock();
  const changes: string[] = [];
  const b = new CircuitBreaker({
    endpoint: "e",
    threshold: 1,
    cooldownMs: 500,
    now: c.now,
    onStateChange: (x) => changes.push(`${x.from}->${x.to}`),
  });
  await assert.rejects(b.execute(fail("server")));
  assert.equal(b.state, "open");
  c.advance(499);
  await assert.rejects(b.execute(ok), /circuit open/);
  c.advance(1);
  assert.equal(b.state, "half-open");
  let release!: () => void;
  let probes = 0;
  const probe = b.execute(() => {
    probes++;
    return new Promise<string>((r) => (release = () => r("probe")));
  });
  // Others are refused while the probe is in flight (fast, not queued behind it).
  const others = await Promise.all([1, 2, 3].map(() => b.execute(ok).catch((e) => e)));
  assert.ok(others.every((e) => e instanceof SwebenchError && /circuit open/.test(e.message)));
  assert.equal(probes, 1);
  release();
  assert.equal(await probe, "probe");
  assert.equal(b.state, "closed");
  assert.equal(await b.execute(ok), "ok");
  assert.deepEqual(changes, ["closed->open", "open->half-open", "half-open->closed"]);
  assert.equal(b.rejected, 4);
});

Deno.test("breaker: a failed probe reopens for another cooldown", async () => {
  const c = clock();
  const b = new CircuitBreaker({ endpoint: "e", threshold: 1, cooldownMs: 100, now: c.now });
  await assert.rejects(b.execute(fail("server")));
  c.advance(100);
  await assert.rejects(b.execute(fail("overloaded")), /overloaded failure/);
  assert.equal(b.state, "open");
  assert.equal(b.retryInMs, 100);
  c.advance(100);
  await b.execute(ok);
  assert.equal(b.state, "closed");
});

Deno.test("breaker: an interrupted probe decides nothing; a non-counting answer closes", async () => {
  const c = clock();
  const b = new CircuitBreaker({ endpoint: "e", threshold: 1, cooldownMs: 10, now: c.now });
  await assert.rejects(b.execute(fail("server")));
  c.advance(10);
  await assert.rejects(b.execute(fail("interrupted")));
  assert.equal(b.state, "half-open");
  // The next caller is the probe; a 401 proves the endpoint answers.
  await assert.rejects(b.execute(fail("authentication")));
  assert.equal(b.state, "closed");
});

Deno.test("breaker: outcomes of calls admitted before a change are ignored", async () => {
  const c = clock();
  const b = new CircuitBreaker({ endpoint: "e", threshold: 1, cooldownMs: 10, now: c.now });
  let late!: () => void;
  const slow = b.execute(() => new Promise<string>((r) => (late = () => r("late"))));
  await assert.rejects(b.execute(fail("server")));
  assert.equal(b.state, "open");
  late();
  assert.equal(await slow, "late");
  assert.equal(b.state, "open", "a success admitted before the opening does not close the circuit");
});

Deno.test("breaker: a custom counting rule (rate limits excluded)", async () => {
  const b = new CircuitBreaker({
    endpoint: "e",
    threshold: 2,
    now: clock().now,
    counts: (e) => e.countsForBreaker && e.kind !== "rate_limit",
  });
  for (let i = 0; i < 5; i++) await assert.rejects(b.execute(fail("rate_limit")));
  assert.equal(b.state, "closed");
});
