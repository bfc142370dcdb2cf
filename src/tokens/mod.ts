/**
 * Token counting: exact local counts for OpenAI models (`gpt-tokenizer`, lazily loaded), estimates with a stated
 * error bound for Claude and open models.
 *
 * @module
 */
export { baseModelId, type Encoding, encodingForModel, type EncodingName, loadEncoding } from "./encoding.ts";
export {
  CLAUDE_PROFILE,
  CLAUDE_V2_PROFILE,
  type EstimateProfile,
  estimateProfile,
  isOpenAIModel,
  OPEN_MODEL_PROFILE,
} from "./estimate.ts";
export {
  type ChatMessageInput,
  type CounterFacts,
  counterFacts,
  getTokenCounter,
  type TokenCounter,
} from "./counter.ts";
export { countRequestTokens, requestMessages } from "./request.ts";
export { CounterNotLoadedError, tokenBound, utf8Length } from "./bound.ts";
export {
  flushTokenCountCache,
  MIN_CACHED_CHARS,
  TokenCountCache,
  useTokenCountCache,
} from "./count_cache.ts";
