/**
 * Actions of `swebench provider ...`.
 *
 * @module
 */
import {
  isUnreachable,
  type ProviderKind,
  stripControl,
  SwebenchError,
  toSwebenchError,
  type UnifiedResponse,
} from "../core/mod.ts";
import { maskKey, redactUrl } from "../http/auth.ts";
import { catalogWithOverrides, costOf, defaultCatalog, type ModelEntry } from "../providers/catalog.ts";
import { createProvider } from "../providers/create.ts";
import { BUILTIN_PROVIDERS, catalogEntry, isLocalKind, specOf, wireKinds } from "../providers/registry.ts";
import {
  type ConfigFile,
  configPath,
  knownProviderNames,
  loadConfig,
  missingKeyError,
  type ProviderConfig,
  type ResolvedProvider,
  resolveProvider,
  updateConfig,
  withAuthHint,
} from "./config.ts";
import type { GlobalFlags } from "./options.ts";
import { asError, fitLine, info, out, style, ui, write } from "./output.ts";
import { formatCount, formatUsd } from "../core/format.ts";
import { renderTable } from "./table.ts";
import { resolveTimeouts, type TimeoutFlags } from "./timeouts.ts";

function providerFor(r: ResolvedProvider, config: ConfigFile, timeouts: TimeoutFlags = {}) {
  const catalog = catalogWithOverrides(defaultCatalog(), config.models ?? []);
  return {
    catalog,
    provider: createProvider({
      kind: r.kind,
      name: r.name,
      apiKey: r.apiKey,
      baseUrl: r.baseUrl,
      organization: r.organization,
      project: r.project,
      settings: r.priceAs === undefined ? r.settings : { ...r.settings, priceAs: r.priceAs },
      cost: (model, usage) => costOf(catalogEntry(catalog, r.kind, r.priceAs ?? model), usage, r.kind),
      timeouts: resolveTimeouts(timeouts, config, r.name),
    }),
  };
}

/** `provider list`. */
export async function providerList(flags: { json?: true }, globals: GlobalFlags): Promise<number> {
  const path = configPath(globals.config);
  const config = await loadConfig(path);
  const rows = knownProviderNames(config).map((name) => {
    const r = resolveProvider(name, { config });
    return {
      name,
      kind: r.kind,
      apiKey: r.apiKey ? maskKey(r.apiKey) : undefined,
      apiKeySource: r.sources.apiKey,
      keys: r.apiKeys.length,
      keyEnv: r.keyEnv,
      needsKey: r.needsKey,
      baseUrl: redactUrl(r.baseUrl),
      baseUrlSource: r.sources.baseUrl,
      model: r.model,
      modelSource: r.sources.model,
      default: config.defaultProvider === name,
    };
  });
  if (flags.json) {
    out(JSON.stringify({ config: path, providers: rows }, null, 2));
    return 0;
  }
  out(renderTable(
    ["provider", "kind", "key", "base URL", "model"],
    rows.map((r) => [
      r.default ? `${r.name} *` : r.name,
      r.kind,
      r.apiKey
        ? `${r.apiKey} (${r.apiKeySource}${r.keys > 1 ? `, +${r.keys - 1} more` : ""})`
        : r.needsKey
        ? style.yellow(`missing: set ${r.keyEnv ?? "a key"}`)
        : "-",
      r.baseUrl === ""
        ? style.yellow(`missing: set ${BUILTIN_PROVIDERS[r.kind]?.baseUrlEnv ?? "a base URL"}`)
        : `${r.baseUrl} (${r.baseUrlSource})`,
      `${r.model} (${r.modelSource})`,
    ]),
  ));
  out(style.dim(`config: ${path}`));
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of Deno.stdin.readable) chunks.push(c);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return new TextDecoder().decode(all).trim();
}

/**
 * The requests of a provider command: when nothing answers at the address (connection refused, unknown host) the
 * command exits 4, as a run's first call does; a rejected key names the variable the provider reads, also when
 * no key was sent to a local `--base-url`.
 */
async function reaching<T>(r: ResolvedProvider, requests: () => Promise<T>): Promise<T> {
  try {
    return await requests();
  } catch (e) {
    const err = asError(e);
    if (isUnreachable(err)) {
      throw new SwebenchError(err.kind, err.message, { ...err, exitCode: 4, cause: err });
    }
    throw withAuthHint(err, r);
  }
}

async function smallCall(
  r: ResolvedProvider,
  config: ConfigFile,
  timeouts: TimeoutFlags = {},
): Promise<UnifiedResponse> {
  const { provider } = providerFor(r, config, timeouts);
  // A 16-token answer: a minute at most, unless --total-timeout (or the config file) says otherwise.
  const set = resolveTimeouts(timeouts, config, r.name);
  return await provider.generate({
    model: r.model,
    prompt: "Reply with the single word OK.",
    maxTokens: 16,
    temperature: 0,
  }, set.totalTimeoutMs === undefined ? { totalTimeoutMs: 60_000 } : {});
}

function describeCall(r: UnifiedResponse): string {
  // The model name is the server's words: printed without terminal control.
  return `${stripControl(r.model)} answered in ${
    Math.round(r.latencyMs)
  } ms, ${r.usage.promptTokens}+${r.usage.completionTokens} ` +
    `tokens, cost ${formatUsd(r.costUsd)}`;
}

/** `provider init <name>`. */
export async function providerInit(
  name: string,
  flags: { apiKeyStdin?: true; model?: string; baseUrl?: string; kind?: string; test: boolean; json?: true },
  globals: GlobalFlags,
): Promise<number> {
  const path = configPath(globals.config);
  const config = await loadConfig(path);
  const kinds = wireKinds();
  if (flags.kind && !kinds.includes(flags.kind)) {
    throw new SwebenchError("usage", `--kind must be one of ${kinds.join(", ")}, got "${flags.kind}"`);
  }
  const existing = config.providers?.[name] ?? {};
  const builtin = kinds.includes(name);
  if (!builtin && !flags.baseUrl && !existing.baseUrl) {
    throw new SwebenchError("usage", `"${name}" is not a built-in provider: it needs --base-url`, {
      hint: `Example: swebench provider init ${name} --base-url http://127.0.0.1:8000/v1 --model <id>`,
    });
  }
  // Only what this init sets is written back (over the file as it is then, under its lock).
  const changes: ProviderConfig = {
    ...(builtin ? {} : { kind: (flags.kind ?? existing.kind ?? "openai") as ProviderKind }),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.model ? { model: flags.model } : {}),
  };
  const entry: ProviderConfig = { ...existing, ...changes };
  // A base URL generate would reject is never saved: checked as generate checks it.
  checkBaseUrl(name, entry.kind ?? (name as ProviderKind), flags.baseUrl);
  const interactive = Deno.stdin.isTerminal() && !flags.apiKeyStdin;
  const draft: ConfigFile = { ...config, providers: { ...config.providers, [name]: entry } };
  let resolved = resolveProvider(name, { config: draft });
  if (flags.apiKeyStdin) {
    const key = await readStdin();
    if (!key) throw new SwebenchError("usage", "--api-key-stdin: standard input was empty");
    entry.apiKey = changes.apiKey = key;
  } else if (interactive) {
    return await initWizard(name, { entry, changes }, draft, path, flags.test);
  } else if (resolved.needsKey && !entry.apiKey) {
    throw new SwebenchError("usage", "standard input is not a terminal, so no key can be asked for", {
      hint: `Pipe it: echo "$KEY" | swebench provider init ${name} --api-key-stdin`,
    });
  }
  resolved = resolveProvider(name, { config: draft });
  // The stored key is what `init` is about: test with it, not with an env var that may shadow it.
  if (entry.apiKey) resolved = { ...resolved, apiKey: entry.apiKey };
  let test: UnifiedResponse | undefined;
  if (flags.test) {
    if (resolved.needsKey && !resolved.apiKey) throw missingKeyError(resolved);
    test = await smallCall(resolved, draft);
    if (!flags.json) info(`${style.green("ok")}: ${describeCall(test)}`);
  }
  await saveEntry(path, name, changes);
  if (flags.json) {
    out(JSON.stringify(
      {
        saved: path,
        provider: name,
        kind: resolved.kind,
        apiKey: entry.apiKey ? maskKey(entry.apiKey) : undefined,
        baseUrl: redactUrl(resolved.baseUrl),
        model: resolved.model,
        test: test
          ? { model: test.model, latencyMs: test.latencyMs, usage: test.usage, costUsd: test.costUsd }
          : undefined,
      },
      null,
      2,
    ));
  } else {
    out(`Saved ${name} to ${path} (mode 0600)${entry.apiKey ? `, key ${maskKey(entry.apiKey)}` : ""}.`);
  }
  return 0;
}

/** Store one provider's changed fields (and make it the default when there is none), under the config lock. */
async function saveEntry(path: string, name: string, changes: ProviderConfig): Promise<void> {
  await updateConfig(path, (fresh) => {
    fresh.providers = { ...fresh.providers, [name]: { ...fresh.providers?.[name], ...changes } };
    fresh.defaultProvider ??= name;
  });
}

/** A `--base-url` that `generate` would reject, refused before anything is saved (usage, exit 2). */
function checkBaseUrl(name: string, kind: ProviderKind, baseUrl: string | undefined): void {
  if (baseUrl === undefined) return;
  try {
    createProvider({ kind: wireKinds().includes(kind) ? kind : "openai", name, baseUrl });
  } catch (e) {
    const err = toSwebenchError(e);
    throw new SwebenchError("usage", `--base-url: ${err.message.replace(/\.$/, "")} (nothing was saved)`, {
      hint: err.hint,
    });
  }
}

async function initWizard(
  name: string,
  { entry, changes }: { entry: ProviderConfig; changes: ProviderConfig },
  draft: ConfigFile,
  path: string,
  runTest: boolean,
): Promise<number> {
  const p = await import("@clack/prompts");
  p.intro(`swebench provider init ${name}`);
  const cancelled = (v: unknown): v is symbol => p.isCancel(v);
  let resolved = resolveProvider(name, { config: draft });
  if (!isLocalKind(resolved.kind)) {
    const key = await p.password({
      message: `API key for ${name}${resolved.keyEnv ? ` (as in ${resolved.keyEnv})` : ""}`,
      mask: "*",
      validate: (v) => (!v && resolved.needsKey ? "A key is required" : undefined),
    });
    if (cancelled(key)) {
      p.cancel("Nothing saved.");
      return 130;
    }
    if (key) entry.apiKey = changes.apiKey = key.trim();
  }
  resolved = resolveProvider(name, { config: draft });
  if (entry.apiKey) resolved = { ...resolved, apiKey: entry.apiKey };
  const { provider, catalog } = providerFor(resolved, draft);
  const spin = p.spinner();
  spin.start("Fetching the model list");
  let models: { id: string; entry?: ModelEntry }[] = [];
  try {
    models = ((await provider.listModels?.({ totalTimeoutMs: 30_000 })) ?? [])
      .map((m) => ({ id: m.id, entry: catalog.lookup(m.id, resolved.kind) }));
    spin.stop(`${models.length} models`);
  } catch (e) {
    spin.stop(`Could not list models: ${(e as Error).message}`);
  }
  if (models.length > 0) {
    models.sort((a, b) => Number(!!b.entry) - Number(!!a.entry) || a.id.localeCompare(b.id));
    const choice = await p.select({
      message: "Default model",
      // The current default, or its dated snapshot (`claude-sonnet-4-5` -> `claude-sonnet-4-5-20250929`).
      initialValue: (models.find((m) => m.id === resolved.model) ??
        models.find((m) => m.id.startsWith(`${resolved.model}-`)) ?? models[0]).id,
      options: models.slice(0, 60).map((m) => ({
        value: m.id,
        label: stripControl(m.id),
        hint: m.entry?.inputPerMTok !== undefined
          ? `$${m.entry.inputPerMTok}/$${m.entry.outputPerMTok} per MTok, ${(m.entry.contextWindow ===
              undefined
            ? "?"
            : formatCount(m.entry.contextWindow))} ctx`
          : undefined,
      })),
    });
    if (cancelled(choice)) {
      p.cancel("Nothing saved.");
      return 130;
    }
    entry.model = changes.model = choice as string;
  } else {
    const typed = await p.text({ message: "Default model", initialValue: resolved.model });
    if (cancelled(typed)) {
      p.cancel("Nothing saved.");
      return 130;
    }
    entry.model = changes.model = typed;
  }
  resolved = { ...resolveProvider(name, { config: draft }), apiKey: entry.apiKey ?? resolved.apiKey };
  if (runTest) {
    spin.start("Testing the connection");
    try {
      const r = await smallCall(resolved, draft);
      spin.stop(`${style.green("ok")}: ${describeCall(r)}`);
    } catch (e) {
      spin.stop(style.red(`failed: ${(e as Error).message}`));
      const keep = await p.confirm({ message: "Save anyway?", initialValue: false });
      if (cancelled(keep) || !keep) {
        p.cancel("Nothing saved.");
        return e instanceof SwebenchError ? e.exitCode : 1;
      }
    }
  }
  await saveEntry(path, name, changes);
  p.outro(`Saved ${name} to ${path} (mode 0600)${entry.apiKey ? `, key ${maskKey(entry.apiKey)}` : ""}.`);
  return 0;
}

/** `provider test <name>`. */
export async function providerTest(
  name: string,
  flags: { model?: string; baseUrl?: string; json?: true } & TimeoutFlags,
  globals: GlobalFlags,
): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  const r = resolveProvider(name, { config, flags });
  if (r.needsKey && !r.apiKey) throw missingKeyError(r);
  const resp = await reaching(r, () => smallCall(r, config, flags));
  let running: unknown[] | undefined;
  if (r.kind === "ollama") {
    const { listRunning } = await import("../providers/ollama/provider.ts");
    running = await listRunning({ host: r.baseUrl }).catch(() => undefined);
  }
  if (flags.json) {
    out(JSON.stringify(
      {
        provider: name,
        model: resp.model,
        latencyMs: resp.latencyMs,
        usage: resp.usage,
        costUsd: resp.costUsd ?? null,
        finishReason: resp.finishReason,
        requestId: resp.requestId,
        ...(running ? { loaded: running } : {}),
      },
      null,
      2,
    ));
    return 0;
  }
  out(`${style.green("ok")}: ${name} ${describeCall(resp)}`);
  if (running) {
    const rows =
      (running as { name: string; sizeBytes?: number; sizeVramBytes?: number; contextLength?: number }[])
        .map((m) => [
          stripControl(m.name),
          m.sizeBytes ? `${(m.sizeBytes / 2 ** 30).toFixed(1)} GiB` : "-",
          m.sizeVramBytes ? `${(m.sizeVramBytes / 2 ** 30).toFixed(1)} GiB` : "-",
          m.contextLength ?? "-",
        ]);
    out(rows.length ? renderTable(["loaded model", "size", "VRAM", "context"], rows) : "No model loaded.");
  }
  return 0;
}

/** `provider models <name>`. */
export async function providerModels(
  name: string,
  flags: { baseUrl?: string; json?: true } & TimeoutFlags,
  globals: GlobalFlags,
): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  const r = resolveProvider(name, { config, flags });
  if (r.needsKey && !r.apiKey) throw missingKeyError(r);
  const { provider, catalog } = providerFor(r, config, flags);
  const models = await reaching(r, async () => (await provider.listModels?.()) ?? []);
  const rows = models.map((m) => {
    const e = catalogEntry(catalog, r.kind, m.id);
    return {
      id: m.id,
      contextWindow: m.contextWindow ?? e?.contextWindow,
      maxOutputTokens: m.maxOutputTokens ?? e?.maxOutputTokens,
      inputPerMTok: isLocalKind(r.kind) ? 0 : e?.inputPerMTok,
      outputPerMTok: isLocalKind(r.kind) ? 0 : e?.outputPerMTok,
      deprecationDate: e?.deprecationDate,
      sizeBytes: m.sizeBytes,
    };
  });
  if (flags.json) {
    out(JSON.stringify({ provider: name, models: rows }, null, 2));
    return 0;
  }
  if (rows.length === 0 && provider.listModels === undefined) {
    out(`${name} has no model list.`);
    const hint = specOf(r.kind)?.hints.noModelList;
    if (hint) info(style.dim(hint));
    return 0;
  } else if (rows.length === 0) {
    out(`${name} lists no models.`);
    if (r.kind === "ollama") {
      info(style.dim("Download one with `swebench provider pull <model>` (or `ollama pull`)."));
    }
    return 0;
  }
  const usd = (v?: number) => (v === undefined ? "?" : `$${v}`);
  out(renderTable(
    ["model", "context", "max out", "in/MTok", "out/MTok", "deprecated"],
    rows.map((m) => [
      stripControl(m.id),
      m.contextWindow === undefined ? "?" : formatCount(m.contextWindow),
      m.maxOutputTokens === undefined ? "?" : formatCount(m.maxOutputTokens),
      usd(m.inputPerMTok),
      usd(m.outputPerMTok),
      m.deprecationDate ?? "",
    ]),
    ["left", "right", "right", "right", "right", "left"],
  ));
  if (rows.some((m) => m.inputPerMTok === undefined)) {
    info(style.dim("? = not in the catalog: add prices under `models` in the config file to get costs."));
  }
  return 0;
}

/** `provider pull <model>` (Ollama). */
export async function providerPull(
  model: string,
  flags: { json?: true },
  globals: GlobalFlags,
): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  const r = resolveProvider("ollama", { config });
  const { pullModel } = await import("../providers/ollama/provider.ts");
  let last = "";
  const tty = Deno.stderr.isTerminal() && !ui.quiet;
  try {
    await reaching(r, async () => {
      for await (const p of pullModel({ host: r.baseUrl, model })) {
        if (flags.json) {
          out(JSON.stringify(p));
          continue;
        }
        const pct = p.total ? ` ${Math.floor(((p.completed ?? 0) / p.total) * 100)}%` : "";
        const line = `${stripControl(String(p.status))}${pct}`;
        if (line === last) continue;
        last = line;
        if (tty) write("stderr", `\r\x1b[2K${fitLine(line)}`);
        else if (!p.total || p.completed === p.total) info(line);
      }
    });
  } finally {
    if (tty && last) write("stderr", "\n"); // the progress line ends, also before an error
  }
  if (!flags.json) out(`Pulled ${model}.`);
  return 0;
}
