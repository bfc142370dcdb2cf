/**
 * Ollama's model management bodies: `/api/tags`, `/api/ps`, `/api/show` and `/api/pull` progress lines.
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";
import { ollamaErrorFromMessage } from "./errors.ts";
import { isRecord, num, str } from "./read.ts";

/** Model details as `/api/tags`, `/api/ps` and `/api/show` report them. */
export interface OllamaModelDetails {
  /** `gguf`. */
  format?: string;
  /** `qwen3`, `llama`, ... */
  family?: string;
  /** `32.8B`. */
  parameterSize?: string;
  /** `Q4_K_M`. */
  quantization?: string;
}

function decodeDetails(value: unknown): OllamaModelDetails {
  const d = isRecord(value) ? value : {};
  const details: OllamaModelDetails = {};
  if (str(d.format)) details.format = str(d.format);
  if (str(d.family)) details.family = str(d.family);
  if (str(d.parameter_size)) details.parameterSize = str(d.parameter_size);
  if (str(d.quantization_level)) details.quantization = str(d.quantization_level);
  return details;
}

/** One locally available model (`/api/tags`). */
export interface OllamaTagModel {
  /** Model name (`qwen3:32b`). */
  name: string;
  /** Size on disk in bytes. */
  sizeBytes?: number;
  /** Last modification time (ISO 8601). */
  modifiedAt?: string;
  /** Content digest. */
  digest?: string;
  /** Family, parameter size, quantization. */
  details: OllamaModelDetails;
}

/**
 * `/api/tags` body -> local models.
 *
 * @example
 * ```ts
 * import { decodeOllamaTags } from "./models.ts";
 * decodeOllamaTags({ models: [{ name: "qwen3:32b", size: 20201253829, details: { family: "qwen3" } }] });
 * // [{ name: "qwen3:32b", sizeBytes: 20201253829, details: { family: "qwen3" } }]
 * ```
 */
export function decodeOllamaTags(body: unknown): OllamaTagModel[] {
  const models = isRecord(body) && Array.isArray(body.models) ? body.models : [];
  const result: OllamaTagModel[] = [];
  for (const m of models) {
    if (!isRecord(m)) continue;
    const name = str(m.name) ?? str(m.model);
    if (name === undefined) continue;
    const model: OllamaTagModel = { name, details: decodeDetails(m.details) };
    if (num(m.size) !== undefined) model.sizeBytes = num(m.size);
    if (str(m.modified_at)) model.modifiedAt = str(m.modified_at);
    if (str(m.digest)) model.digest = str(m.digest);
    result.push(model);
  }
  return result;
}

/** One model loaded in memory (`/api/ps`). */
export interface OllamaRunningModel {
  /** Model name. */
  name: string;
  /** Memory used, in bytes. */
  sizeBytes: number;
  /** Of which in GPU memory, in bytes. */
  sizeVramBytes: number;
  /** The context length the model was loaded with. */
  contextLength?: number;
  /** When the model will be unloaded (ISO 8601). */
  expiresAt?: string;
  /** Family, parameter size, quantization. */
  details: OllamaModelDetails;
}

/**
 * `/api/ps` body -> loaded models.
 *
 * @example
 * ```ts
 * import { decodeOllamaPs } from "./models.ts";
 * decodeOllamaPs({ models: [{ name: "qwen3:32b", size: 21579390080, size_vram: 21579390080, context_length: 4096 }] });
 * ```
 */
export function decodeOllamaPs(body: unknown): OllamaRunningModel[] {
  const models = isRecord(body) && Array.isArray(body.models) ? body.models : [];
  const result: OllamaRunningModel[] = [];
  for (const m of models) {
    if (!isRecord(m)) continue;
    const name = str(m.name) ?? str(m.model);
    if (name === undefined) continue;
    const model: OllamaRunningModel = {
      name,
      sizeBytes: num(m.size) ?? 0,
      sizeVramBytes: num(m.size_vram) ?? 0,
      details: decodeDetails(m.details),
    };
    if (num(m.context_length) !== undefined) model.contextLength = num(m.context_length);
    if (str(m.expires_at)) model.expiresAt = str(m.expires_at);
    result.push(model);
  }
  return result;
}

/** What `/api/show` says about a model. */
export interface OllamaModelShow {
  /** Trained context length (`model_info["<arch>.context_length"]`). */
  contextLength?: number;
  /** Model family. */
  family?: string;
  /** Parameter size (`32.8B`). */
  parameterSize?: string;
  /** Quantization level (`Q4_K_M`). */
  quantization?: string;
  /** Capabilities (`completion`, `tools`, `thinking`, ...). */
  capabilities?: string[];
}

/**
 * `/api/show` body -> context length (from `model_info["<general.architecture>.context_length"]`, else any
 * `*.context_length` key) and details.
 *
 * @example
 * ```ts
 * import { decodeOllamaShow } from "./models.ts";
 * decodeOllamaShow({ model_info: { "general.architecture": "qwen2", "qwen2.context_length": 32768 } }).contextLength; // 32768
 * ```
 */
export function decodeOllamaShow(body: unknown): OllamaModelShow {
  const record = isRecord(body) ? body : {};
  const info = isRecord(record.model_info) ? record.model_info : {};
  const details = decodeDetails(record.details);
  const result: OllamaModelShow = {};
  const arch = str(info["general.architecture"]);
  let contextLength = arch === undefined ? undefined : num(info[`${arch}.context_length`]);
  if (contextLength === undefined) {
    for (const [key, value] of Object.entries(info)) {
      if (key.endsWith(".context_length") && num(value) !== undefined) {
        contextLength = num(value);
        break;
      }
    }
  }
  if (contextLength !== undefined && contextLength > 0) result.contextLength = contextLength;
  const family = details.family ?? arch;
  if (family !== undefined) result.family = family;
  if (details.parameterSize !== undefined) result.parameterSize = details.parameterSize;
  if (details.quantization !== undefined) result.quantization = details.quantization;
  if (Array.isArray(record.capabilities)) {
    result.capabilities = record.capabilities.filter((c): c is string => typeof c === "string");
  }
  return result;
}

/** One `/api/pull` progress line. */
export interface OllamaPullProgress {
  /** `pulling manifest`, `pulling <digest>`, `verifying sha256 digest`, `success`, ... */
  status: string;
  /** Bytes done of the current layer. */
  completed?: number;
  /** Bytes of the current layer. */
  total?: number;
  /** Layer digest. */
  digest?: string;
}

/**
 * One parsed `/api/pull` line -> progress; an `{"error": ...}` line throws the classified `SwebenchError`.
 *
 * @example
 * ```ts
 * import { decodeOllamaPullLine } from "./models.ts";
 * decodeOllamaPullLine({ status: "pulling abc", digest: "sha256:abc", total: 100, completed: 40 });
 * ```
 */
export function decodeOllamaPullLine(line: unknown, options: { model?: string } = {}): OllamaPullProgress {
  if (!isRecord(line)) {
    throw new SwebenchError("server", "Ollama pull sent a line that is not a JSON object.", {
      provider: "ollama",
    });
  }
  if (line.error !== undefined) {
    const text = typeof line.error === "string" ? line.error : JSON.stringify(line.error);
    const lower = text.toLowerCase();
    if (lower.includes("does not exist") || lower.includes("not found")) {
      return throwPullNotFound(text, options.model);
    }
    throw ollamaErrorFromMessage(text, { model: options.model });
  }
  const progress: OllamaPullProgress = { status: str(line.status) ?? "" };
  if (num(line.completed) !== undefined) progress.completed = num(line.completed);
  if (num(line.total) !== undefined) progress.total = num(line.total);
  if (str(line.digest)) progress.digest = str(line.digest);
  return progress;
}

function throwPullNotFound(text: string, model: string | undefined): never {
  throw new SwebenchError("model_not_found", `Ollama could not pull ${model ?? "the model"}: ${text}`, {
    provider: "ollama",
    hint: "Check the model name on https://ollama.com/library (e.g. `qwen2.5-coder:7b`).",
  });
}
