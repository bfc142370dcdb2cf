/**
 * `swebench batch list | status | cancel` through the CLI against the OpenAI and Anthropic batch simulators: what a
 * person sees piped and on a terminal, the JSON documents, journals of `generate --batch` runs, and bad input.
 */
import assert from "node:assert/strict";
import { createAnthropicBatchApi } from "../../src/batch/anthropic_api.ts";
import type { BatchApi } from "../../src/batch/api.ts";
import { journalPathFor } from "../../src/batch/basics.ts";
import { type BatchJournal, JOURNAL_VERSION } from "../../src/batch/journal.ts";
import { createOpenAIBatchApi } from "../../src/batch/openai_api.ts";
import { journalStore, sendSubmission, startSubmission } from "../../src/batch/submit.ts";
import { type BatchSimulator, startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { itemsFor } from "../batch/_vendors.ts";
import { runCli } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const OPENAI_KEY = "sk-sim-batch-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-sim-batch-0123456789abcdef";

interface World extends AsyncDisposable {
  openai: BatchSimulator;
  anthropic: BatchSimulator;
  openaiApi: BatchApi;
  anthropicApi: BatchApi;
  env: Record<string, string>;
  home: string;
}

/** Both batch simulators (batches move only when the test says), their clients, the CLI's environment. */
async function world(): Promise<World> {
  const respond = () => "<patch>\n</patch>";
  const openai = await startOpenAISim({
    apiKey: OPENAI_KEY,
    respond,
    batch: { stepsPerPoll: 0, requestsPerStep: 1 },
  });
  const anthropic = await startAnthropicSim({
    apiKey: ANTHROPIC_KEY,
    respond,
    batch: { stepsPerPoll: 0, requestsPerStep: 1 },
  });
  const home = await Deno.makeTempDir({ prefix: "swebench-batch-cli-" });
  return {
    openai,
    anthropic,
    openaiApi: createOpenAIBatchApi({ baseUrl: `${openai.url}/v1`, apiKey: OPENAI_KEY }),
    anthropicApi: createAnthropicBatchApi({ baseUrl: anthropic.url, apiKey: ANTHROPIC_KEY }),
    home,
    env: {
      HOME: home,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
    },
    async [Symbol.asyncDispose]() {
      await openai[Symbol.asyncDispose]();
      await anthropic[Symbol.asyncDispose]();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}

const IDS = ["django__django-11099", "astropy__astropy-12907", "sympy__sympy-20590"];

function noKeys(text: string): void {
  assert.ok(!text.includes(OPENAI_KEY) && !text.includes(ANTHROPIC_KEY), `a key in the output:\n${text}`);
}

Deno.test("batch list|status|cancel by id: both providers, piped, on a terminal and as JSON", async () => {
  await using w = await world();
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...w.env, ...extra }, cwd: w.home });
  const o = await w.openaiApi.create(itemsFor(w.openaiApi, "gpt-4o-mini", IDS), {
    tag: "swb-00000000000000aa",
  });
  const a = await w.anthropicApi.create(itemsFor(w.anthropicApi, "claude-sonnet-4-5", IDS.slice(0, 2)), {
    tag: "swb-00000000000000bb",
  });
  w.openai.batches.advance(o.id, 2); // validating -> in progress, one request answered
  w.anthropic.batches.finish(a.id);

  const list = await run(["batch", "list"]);
  assertPiped(list, 0, /provider\s+batch\s+status\s+requests\s+created\s+model/);
  const lines = list.stdout.split("\n");
  const oLine = lines.find((l) => l.includes(o.id)) ?? "";
  const aLine = lines.find((l) => l.includes(a.id)) ?? "";
  assert.match(oLine, /^openai\s+batch_\S+\s+in progress\s+1\/3 done\s+(just now|\d+s ago)\s+gpt-4o-mini/);
  assert.match(aLine, /^anthropic\s+msgbatch_\S+\s+completed\s+2\/2 done\s/);
  noKeys(list.stdout + list.stderr);

  const json = await run(["batch", "list", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  const byId = new Map(doc.batches.map((b: { id: string }) => [b.id, b]));
  assert.deepEqual(
    [...byId.keys()].sort(),
    [o.id, a.id].sort(),
    "every batch of both providers, nothing else",
  );
  const ob = byId.get(o.id) as Record<string, unknown>;
  assert.equal(ob.provider, "openai");
  assert.equal(ob.state, "in_progress");
  assert.equal(ob.tag, "swb-00000000000000aa");
  assert.equal((ob.counts as { total: number }).total, 3);
  assert.equal((byId.get(a.id) as Record<string, unknown>).ending, "completed");

  // Only one provider with -p; only OpenAI when Anthropic has no key.
  const only = await run(["batch", "list", "-p", "anthropic", "--json"]);
  assert.deepEqual(JSON.parse(only.stdout).batches.map((b: { id: string }) => b.id), [a.id]);
  const noAnthropic = await run(["batch", "list", "--json"], { ANTHROPIC_API_KEY: "" });
  assert.deepEqual(JSON.parse(noAnthropic.stdout).batches.map((b: { id: string }) => b.id), [o.id]);

  const tty = await runInTerminal(["batch", "list"], { env: w.env, cwd: w.home, cols: 80 });
  assertOnTerminal(
    tty,
    0,
    { cols: 80, fit: true },
    new RegExp(o.id.slice(0, 12)),
    /in progress/,
    /completed/,
  );

  const status = await run(["batch", "status", o.id]);
  assertPiped(
    status,
    0,
    new RegExp(`^openai ${o.id}: in progress, 1/3 done, created .*, expires in 2\\dh`, "m"),
  );
  assert.match(status.stdout, /model: gpt-4o-mini/);
  const statusJson = JSON.parse((await run(["batch", "status", a.id, "--json"])).stdout);
  assert.equal(statusJson.provider, "anthropic");
  assert.equal(statusJson.state, "ended");
  assert.deepEqual(statusJson.counts, {
    total: 2,
    succeeded: 2,
    errored: 0,
    expired: 0,
    canceled: 0,
    processing: 0,
  });

  // Cancel: the API is asked once; a second cancel and a cancel of an ended batch ask nothing.
  const cancel = await run(["batch", "cancel", o.id]);
  assertPiped(
    cancel,
    0,
    new RegExp(`Cancel requested: openai ${o.id}: canceling, 1/3 done`),
    /keep their results/,
  );
  const cancels = () => w.openai.requests.filter((r) => r.path.endsWith("/cancel")).length;
  assert.equal(cancels(), 1);
  assertPiped(await run(["batch", "cancel", o.id]), 0, /is already being canceled: nothing to cancel/);
  assertPiped(await run(["batch", "cancel", a.id]), 0, /already ended \(completed\): nothing to cancel/);
  assert.equal(cancels(), 1);
  assert.equal(w.anthropic.requests.filter((r) => r.path.endsWith("/cancel")).length, 0);
  w.openai.batches.finish(o.id);
  const after = JSON.parse((await run(["batch", "status", o.id, "--json"])).stdout);
  assert.equal(after.ending, "canceled");
  assert.deepEqual([after.counts.succeeded, after.counts.canceled], [1, 2]);

  const ttyStatus = await runInTerminal(["batch", "status", o.id], { env: w.env, cwd: w.home, cols: 80 });
  assertOnTerminal(
    ttyStatus,
    0,
    { cols: 80 },
    /canceled, 1\/3 done, 2 failed, created (just now|.* ago), ended (just now|.* ago)/,
  );
});

/** A journal beside `predictions` as `generate --batch` leaves it: one collected, one open, one being submitted. */
async function journalOf(w: World, predictions: string): Promise<{ open: string; collected: string }> {
  const journal: BatchJournal = {
    version: JOURNAL_VERSION,
    provider: "openai",
    kind: "openai",
    baseUrl: w.openaiApi.baseUrl,
    model: "gpt-4o-mini",
    submissions: [],
  };
  const store = journalStore(journalPathFor(predictions), journal);
  const pairs = (ids: string[]) => ids.map((id): [string, string] => [id, id]);
  const first = await startSubmission(store, { ids: pairs(IDS.slice(0, 1)), bytes: 100 });
  const collected = await sendSubmission(
    w.openaiApi,
    store,
    first,
    itemsFor(w.openaiApi, "gpt-4o-mini", IDS.slice(0, 1)),
  );
  w.openai.batches.finish(collected.id);
  first.state = "collected";
  first.ending = "completed";
  first.counts = { total: 1, succeeded: 1, errored: 0, expired: 0, canceled: 0, processing: 0 };
  first.endedAt = first.collectedAt = new Date().toISOString();
  const second = await startSubmission(store, { ids: pairs(IDS.slice(1, 2)), bytes: 100 });
  const open = await sendSubmission(
    w.openaiApi,
    store,
    second,
    itemsFor(w.openaiApi, "gpt-4o-mini", IDS.slice(1, 2)),
  );
  await startSubmission(store, { ids: pairs(IDS.slice(2)), bytes: 100 });
  await Deno.writeTextFile(predictions, "");
  return { open: open.id, collected: collected.id };
}

Deno.test("batch status|cancel <predictions>: the journal's batches, live where open; a journal elsewhere is refused", async () => {
  await using w = await world();
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...w.env, ...extra }, cwd: w.home });
  const predictions = "preds.jsonl";
  const { open, collected } = await journalOf(w, `${w.home}/${predictions}`);
  const polls = () =>
    w.openai.requests.filter((r) => r.method === "GET" && r.path.includes(collected)).length;
  const before = polls();

  const status = await run(["batch", "status", predictions]);
  assertPiped(
    status,
    0,
    /^preds\.jsonl: 3 batches through openai:gpt-4o-mini \(journal preds\.jsonl\.batch\.json\)$/m,
    new RegExp(`^  ${collected}: completed, 1/1 done, created .*; collected$`, "m"),
    new RegExp(`^  ${open}: validating, not counted yet, created .*, expires in 2\\dh`, "m"),
    /^ {2}swb-[0-9a-f]{16}: being submitted \(1 request, no batch id yet/m,
    /Re-run the generate command that wrote preds\.jsonl .*`swebench batch cancel preds\.jsonl` cancels them/,
  );
  assert.equal(polls(), before, "a collected batch is not asked about");
  // The journal itself names the same batches.
  const doc = JSON.parse((await run(["batch", "status", `${predictions}.batch.json`, "--json"])).stdout);
  assert.deepEqual(doc.submissions.map((s: { state: string }) => s.state), [
    "collected",
    "submitted",
    "submitting",
  ]);
  assert.equal(doc.submissions[1].batch.id, open);
  assert.equal(doc.submissions[2].batch, null);

  // The key goes only where the user points it: a journal of another base URL is refused before any request.
  const elsewhere = await run(["batch", "status", predictions], { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  assertPiped(
    elsewhere,
    3,
    /the batches of preds\.jsonl\.batch\.json live at http:\/\/127\.0\.0\.1:\d+\/v1/,
    /--base-url/,
  );

  const cancel = await run(["batch", "cancel", predictions]);
  assertPiped(
    cancel,
    0,
    new RegExp(`Cancel requested: openai ${open}: canceling`),
    /submission swb-[0-9a-f]{16} \(1 request\) has no batch id yet/,
    /re-run the generate command that wrote preds\.jsonl to collect them; canceled instances are recorded as failed/,
  );
  assert.equal(w.openai.requests.filter((r) => r.path.endsWith("/cancel")).length, 1, "only the open batch");
  const json = JSON.parse((await run(["batch", "cancel", predictions, "--json"])).stdout);
  assert.deepEqual(json.canceled, []);
  assert.deepEqual(json.alreadyEnded.map((b: { id: string }) => b.id), [open]);
  assert.equal(json.notSubmitted.length, 1);
  // The journal is the run's: these commands never write it.
  assert.deepEqual(
    JSON.parse(await Deno.readTextFile(`${w.home}/${predictions}.batch.json`)).submissions.map((
      s: { state: string },
    ) => s.state),
    ["collected", "submitted", "submitting"],
  );
});

Deno.test("batch commands: bad input is named with its fix (exit 2/3), never a stack trace or a key", async () => {
  await using w = await world();
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...w.env, ...extra }, cwd: w.home });
  assertPiped(
    await run(["batch", "status", "nonsense"]),
    2,
    /"nonsense" is neither a batch id nor an existing file/,
    /batch_\.\.\./,
  );
  await Deno.writeTextFile(`${w.home}/plain.jsonl`, "");
  assertPiped(
    await run(["batch", "status", "plain.jsonl"]),
    2,
    /plain\.jsonl has no batch journal \(plain\.jsonl\.batch\.json\): it was not written by `generate --batch`/,
  );
  await Deno.writeTextFile(`${w.home}/broken.jsonl.batch.json`, "{not json");
  assertPiped(
    await run(["batch", "cancel", "broken.jsonl"]),
    3,
    /batch journal broken\.jsonl\.batch\.json is not valid/,
  );
  assertPiped(
    await run(["batch", "status", "batch_doesnotexist"]),
    2,
    /openai: no batch batch_doesnotexist at/,
    /batch list/,
  );
  assertPiped(
    await run(["batch", "list", "-p", "ollama"]),
    2,
    /ollama has no batch API; the providers with one are openai, anthropic/,
  );
  assertPiped(await run(["batch", "status", "abc", "-p", "gold"]), 2, /gold has no batch API/);
  assertPiped(await run(["batch", "list", "--base-url", "http://127.0.0.1:1/v1"]), 2, /--base-url needs -p/);
  assertPiped(
    await run(["batch", "list"], { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "" }),
    3,
    /no key is set for a provider with a batch API \(openai, anthropic\)/,
    /OPENAI_API_KEY or ANTHROPIC_API_KEY/,
  );
  const wrong = await run(["batch", "status", "msgbatch_abc"], {
    ANTHROPIC_API_KEY: "sk-ant-wrong-key-000000000",
  });
  assertPiped(wrong, 3, /anthropic/);
  assert.ok(!(wrong.stdout + wrong.stderr).includes("sk-ant-wrong-key-000000000"), "the key in the output");
  // One provider down: the other's batches are listed, the failure is named, the exit code says it.
  const down = await run(["batch", "list"], { ANTHROPIC_BASE_URL: "http://127.0.0.1:9" });
  assertPiped(down, 1, /warning: anthropic: /, /^No batches at openai\.$/m);
  assertPiped(await run(["batch", "list", "--json"]), 0);
  assertPiped(await run(["batch", "status"]), 2, /missing required argument/, /swebench batch status --help/);
});
