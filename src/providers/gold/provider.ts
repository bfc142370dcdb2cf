/**
 * The offline `gold` provider: answers with the reference patch the runner puts in `request.extra.goldPatch`,
 * wrapped in `<patch>` tags as a model would. A harness sanity check and the default demo; needs no key or network.
 *
 * @module
 */
import {
  emptyUsage,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type UnifiedRequest,
} from "../../core/mod.ts";
import type { UnifiedResponse } from "../../core/mod.ts";

function answer(request: UnifiedRequest): string {
  const gold = request.extra?.goldPatch;
  if (typeof gold !== "string") {
    throw new SwebenchError(
      "invalid_request",
      "gold: the request carries no reference patch (extra.goldPatch)",
      { provider: "gold", hint: "The gold provider needs a dataset with a `patch` column." },
    );
  }
  return `<patch>\n${gold}</patch>\n`;
}

/**
 * Create the gold provider.
 *
 * @example
 * ```ts
 * import { createGoldProvider } from "@swebench/runner/lib";
 * const gold = createGoldProvider();
 * const r = await gold.generate({ model: "gold", prompt: "", extra: { goldPatch: "diff --git a/x b/x\n" } });
 * console.log(r.content.startsWith("<patch>"));
 * ```
 */
export function createGoldProvider(): Provider {
  const generate = (request: UnifiedRequest): Promise<UnifiedResponse> => {
    try {
      const content = answer(request);
      return Promise.resolve({
        content,
        model: "gold",
        provider: "gold",
        usage: emptyUsage(),
        latencyMs: 0,
        finishReason: "stop",
        rawFinishReason: "stop",
        costUsd: 0,
      });
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return {
    name: "gold",
    kind: "gold",
    baseUrl: "offline",
    local: true,
    generate,
    stream(request: UnifiedRequest): ReadableStream<StreamEvent> {
      return new ReadableStream<StreamEvent>({
        start(controller) {
          try {
            const content = answer(request);
            controller.enqueue({ type: "start", model: "gold" });
            controller.enqueue({ type: "text-delta", text: content });
            controller.enqueue({
              type: "finish",
              finishReason: "stop",
              rawFinishReason: "stop",
              usage: emptyUsage(),
            });
          } catch (e) {
            controller.enqueue({
              type: "error",
              error: e instanceof SwebenchError ? e : new SwebenchError("unexpected", String(e)),
            });
          }
          controller.close();
        },
      });
    },
    listModels() {
      return Promise.resolve([{ id: "gold", displayName: "Reference patches (offline)" }]);
    },
  };
}
