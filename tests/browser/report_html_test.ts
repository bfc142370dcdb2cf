/**
 * The HTML report in headless Chromium, as a person uses it: generate -> evaluate (stand-in harness) -> report
 * --html for two models, then open the page offline, read the verdicts, click an instance row and see both models'
 * patches. Skips when Chromium is not installed (CI does not install it). Writes the screenshot to
 * `SCREENSHOT_OUT` when set (`SCREENSHOT_OUT=docs/report-evaluation.png deno test -A tests/browser/`), else to a
 * temporary file.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/helpers.ts";
import { evaluatedScenario } from "../evaluate/scenario.ts";
import { findChromium, openPage } from "./chromium.ts";

const chromium = await findChromium();

Deno.test({
  name: "HTML report in Chromium: verdicts per model, a row opens each model's patch and outcome, offline",
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await evaluatedScenario();
    const rep = await runCli(["report", ...s.runLogs, "--html", "report.html"], { cwd: s.dir });
    assert.equal(rep.code, 0, rep.stderr);
    await using page = await openPage(chromium!);
    await page.open(`file://${s.dir}/report.html`);
    // Nothing is fetched: no scripts, styles, fonts or images from anywhere.
    assert.equal(await page.evaluate<number>("performance.getEntriesByType('resource').length"), 0);
    assert.equal(await page.evaluate<number>("document.scripts.length"), 0);
    const summary = await page.evaluate<string>(
      `[...document.querySelectorAll("h2")].find((h) => h.textContent.startsWith("Resolved (SWE"))
        .nextElementSibling.innerText`,
    );
    assert.match(summary, /gold:gold\t5\t5\t\s*100\.0%/);
    assert.match(summary, /openai:gpt-4o-mini\t5\t3\t\s*60\.0%\t1\t1\t0/);
    const only = await page.evaluate<string>(
      `[...document.querySelectorAll("h2")].find((h) => h.textContent.startsWith("Resolved by only")).parentElement.querySelector("h2 + p + ul").innerText`,
    );
    assert.match(only, /gold:gold \(2\): pylint-dev__pylint-5859, scikit-learn__scikit-learn-13584/);
    // Rows start closed: the patches are not shown.
    const row = "#pylint-dev__pylint-5859";
    assert.equal(await page.evaluate<boolean>(`document.querySelector("${row}").open`), false);
    assert.equal(
      await page.evaluate<boolean>(`document.querySelector("${row} pre.diff").checkVisibility()`),
      false,
    );
    // A click on the row opens both models' patches and verdicts.
    await page.click(`${row} > summary`);
    assert.equal(await page.evaluate<boolean>(`document.querySelector("${row}").open`), true);
    const opened = await page.evaluate<{ text: string; visiblePatches: number }>(`(() => {
      const d = document.querySelector("${row}");
      return {
        text: d.innerText,
        visiblePatches: [...d.querySelectorAll("pre.diff")]
          .filter((p) => p.checkVisibility() && p.getBoundingClientRect().height > 20).length,
      };
    })()`);
    assert.equal(opened.visiblePatches, 2, "gold's and gpt-4o-mini's patches are both visible");
    assert.match(opened.text, /gold:gold: resolved/);
    assert.match(opened.text, /openai:gpt-4o-mini: unresolved, cost \$0\.\d+/);
    assert.match(opened.text, /FAIL_TO_PASS 0\/\d+ pass; PASS_TO_PASS \d+\/\d+ pass/);
    assert.match(opened.text, /# changed/, "gpt-4o-mini's own patch");
    // The same row's other model and an empty-patch row.
    await page.click("#scikit-learn__scikit-learn-13584 > summary");
    assert.match(
      await page.evaluate<string>(`document.querySelector("#scikit-learn__scikit-learn-13584").innerText`),
      /openai:gpt-4o-mini: empty[\s\S]*empty patch/,
    );
    const png = await page.screenshot(1200);
    assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 1200, "1200 px wide");
    const target = Deno.env.get("SCREENSHOT_OUT") ?? `${s.dir}/report.png`;
    await Deno.writeFile(target, png);
  },
});
