/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket; no extra dependency), for checking the HTML
 * report as a person sees it: load it, click, read the page, take a screenshot. Chromium is optional: tests skip
 * when it is not installed (Debian: `apt-get install -y chromium`).
 */

/** The Chromium binary: `CHROMIUM`, else the first of the usual names found on PATH. */
export async function findChromium(): Promise<string | undefined> {
  const explicit = Deno.env.get("CHROMIUM");
  const names = explicit
    ? [explicit]
    : ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  for (const name of names) {
    try {
      const r = await new Deno.Command(name, { args: ["--version"], stdout: "piped", stderr: "null" })
        .output();
      if (r.success) return name;
    } catch { /* not there */ }
  }
  return undefined;
}

/** A page in a headless browser. */
export interface Page extends AsyncDisposable {
  /** Send a DevTools command and wait for its result. */
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Evaluate an expression in the page and return its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Load a URL and wait for the load event. */
  open(url: string): Promise<void>;
  /** A real mouse click at the centre of the element matched by `selector`. */
  click(selector: string): Promise<void>;
  /** PNG screenshot of the whole page at the given width. */
  screenshot(width: number): Promise<Uint8Array>;
}

/**
 * Start headless Chromium (the flags a root session on a closed network needs) with one page.
 * Every wait is bounded; the browser is killed on dispose.
 */
export async function openPage(chromium: string): Promise<Page> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(chromium, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  const reader = child.stderr.getReader();
  let text = "";
  let browserWs: string | undefined;
  const deadline = Date.now() + 30_000;
  while (!browserWs && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    browserWs = /DevTools listening on (ws:\/\/\S+)/.exec(text)?.[1];
  }
  // Keep draining stderr so the browser never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  if (!browserWs) {
    child.kill("SIGKILL");
    throw new Error(`Chromium did not start: ${text.slice(-500)}`);
  }
  const port = new URL(browserWs).port;
  const target = await (await fetch(`http://127.0.0.1:${port}/json/new?about:blank`, { method: "PUT" }))
    .json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("DevTools WebSocket failed"));
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  const waiters: { method: string; resolve: () => void }[] = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data as string);
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${msg.error.message}`));
      else p?.resolve(msg.result ?? {});
    } else {
      for (const w of waiters.filter((w) => w.method === msg.method)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      p,
      new Promise<T>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), 30_000)
      ),
    ]).finally(() => clearTimeout(timer));
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    withTimeout(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
      method,
    );
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page error: ${JSON.stringify(r.exceptionDetails)}`);
    return (r.result as { value: T }).value;
  };
  await send("Page.enable");
  return {
    send,
    evaluate,
    async open(url) {
      const loaded = new Promise<void>((resolve) => waiters.push({ method: "Page.loadEventFired", resolve }));
      await send("Page.navigate", { url });
      await withTimeout(loaded, `load ${url}`);
    },
    async click(selector) {
      const box = await evaluate<{ x: number; y: number } | null>(`(() => {
        const el = document.querySelector(${JSON.stringify(selector)});
        if (!el) return null;
        el.scrollIntoView({ block: "center" });
        const r = el.getBoundingClientRect();
        return { x: r.left + Math.min(40, r.width / 2), y: r.top + r.height / 2 };
      })()`);
      if (!box) throw new Error(`no element ${selector}`);
      for (const type of ["mousePressed", "mouseReleased"]) {
        await send("Input.dispatchMouseEvent", { type, x: box.x, y: box.y, button: "left", clickCount: 1 });
      }
    },
    async screenshot(width) {
      const height = await evaluate<number>("document.documentElement.scrollHeight");
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height,
        deviceScaleFactor: 1,
        mobile: false,
      });
      const r = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
      return Uint8Array.from(atob(r.data as string), (c) => c.charCodeAt(0));
    },
    async [Symbol.asyncDispose]() {
      try {
        ws.close();
      } catch { /* closed */ }
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
