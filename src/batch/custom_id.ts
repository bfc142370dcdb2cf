/**
 * custom_id mapping: every instance id of a batch gets a custom_id that Anthropic accepts
 * (`^[a-zA-Z0-9_-]{1,64}$`, which OpenAI accepts too), unique within the batch, and maps back to its instance.
 *
 * An instance id that already fits is its own custom_id (every SWE-bench id does: the provider's console shows
 * the ids a user knows). Any other id (SWE-smith ids contain dots and reach 67 characters) becomes a readable
 * prefix (each run of other characters replaced by `_`, cut to 51 characters), a `-` and 12 base-36 characters of
 * a hash of the whole id. Collisions (between such forms, or with an id that fits as it is) are detected and
 * resolved by hashing again with another seed, so the mapping is always one to one.
 *
 * @module
 */
import { cyrb53Lanes } from "../core/hash.ts";
import { SwebenchError } from "../core/mod.ts";

/** Anthropic's custom_id rule (the stricter of the two APIs). */
export const CUSTOM_ID_PATTERN: RegExp = /^[a-zA-Z0-9_-]{1,64}$/;

/** Longest custom_id. */
const MAX_LENGTH = 64;
/** Characters of the hash suffix. */
const HASH_LENGTH = 12;

/**
 * 64 bits of a seeded hash of `text` (two 32-bit multiply-xorshift lanes over its UTF-16 code units, cyrb53's
 * mixing), as 12 base-36 characters.
 */
function hash36(text: string, seed: number): string {
  const [h1, h2] = cyrb53Lanes(text, seed);
  const hi = h2.toString(36).padStart(7, "0");
  const lo = h1.toString(36).padStart(7, "0");
  return (hi + lo).slice(-HASH_LENGTH);
}

/**
 * The custom_id of one instance id, without looking at the others (`seed` 0): the id itself when it matches
 * {@linkcode CUSTOM_ID_PATTERN}, else a readable prefix and a hash. {@linkcode assignCustomIds} adds the
 * collision checks; use it for a batch.
 *
 * @example
 * ```ts
 * import { customIdFor } from "./custom_id.ts";
 * customIdFor("django__django-11099"); // "django__django-11099"
 * customIdFor("getmoto__moto.694ce1f4.pr_5678"); // "getmoto__moto_694ce1f4_pr_5678-" + 12 hash characters
 * ```
 */
export function customIdFor(instanceId: string, seed = 0): string {
  if (seed === 0 && CUSTOM_ID_PATTERN.test(instanceId)) return instanceId;
  let readable = instanceId.replace(/[^a-zA-Z0-9_-]+/g, "_").slice(0, MAX_LENGTH - 1 - HASH_LENGTH);
  if (!/[a-zA-Z0-9]/.test(readable)) readable = "id";
  return `${readable}-${hash36(instanceId, seed)}`;
}

/**
 * The two directions of a batch's custom_id mapping.
 *
 * @example
 * ```ts
 * import { assignCustomIds } from "./custom_id.ts";
 * const ids = assignCustomIds(["django__django-11099", "pandas-dev__pandas.95280573.pr_53652"]);
 * ids.instanceOf(ids.customIdOf("pandas-dev__pandas.95280573.pr_53652")!); // "pandas-dev__pandas.95280573.pr_53652"
 * ```
 */
export interface CustomIdMap {
  /** The custom_id of an instance of the batch. */
  customIdOf(instanceId: string): string | undefined;
  /** The instance of a custom_id of the batch. */
  instanceOf(customId: string): string | undefined;
  /** `[customId, instanceId]` pairs, in the order the instances were given (what the journal stores). */
  pairs(): [string, string][];
  /** Number of instances. */
  readonly size: number;
}

/** Most seeds tried for one id before giving up (64-bit hashes: a second seed is already never needed). */
const MAX_SEEDS = 16;

/**
 * Give every instance id a distinct custom_id matching {@linkcode CUSTOM_ID_PATTERN}. Ids that fit keep
 * themselves; the others get {@linkcode customIdFor}'s form, hashed again with the next seed while the result is
 * taken. The order of `instanceIds` does not change anyone's custom_id unless a collision forces it. A repeated
 * instance id is an `unexpected` error (a selection never holds one).
 *
 * @example
 * ```ts
 * import { assignCustomIds, CUSTOM_ID_PATTERN } from "./custom_id.ts";
 * const ids = assignCustomIds(["a.b", "a_b"]);
 * ids.pairs().every(([c]) => CUSTOM_ID_PATTERN.test(c)); // true
 * ```
 */
export function assignCustomIds(instanceIds: Iterable<string>): CustomIdMap {
  const all = [...instanceIds];
  const byInstance = new Map<string, string>();
  const byCustom = new Map<string, string>();
  // Ids that fit are reserved first, so that no other id's form can take them.
  for (const id of all) {
    if (byInstance.has(id)) {
      throw new SwebenchError("unexpected", `instance id ${JSON.stringify(id)} appears twice in one batch`);
    }
    if (CUSTOM_ID_PATTERN.test(id)) {
      byInstance.set(id, id);
      byCustom.set(id, id);
    } else {
      byInstance.set(id, "");
    }
  }
  for (const id of all) {
    if (byInstance.get(id) !== "") continue;
    let seed = 0;
    let custom = customIdFor(id, seed);
    while (byCustom.has(custom)) {
      if (++seed >= MAX_SEEDS) {
        throw new SwebenchError("unexpected", `no free custom_id for instance ${JSON.stringify(id)}`);
      }
      custom = customIdFor(id, seed);
    }
    byInstance.set(id, custom);
    byCustom.set(custom, id);
  }
  return customIdMapOf(all.map((id) => [byInstance.get(id)!, id]));
}

/**
 * A {@linkcode CustomIdMap} from stored `[customId, instanceId]` pairs (a journal's). Pairs that repeat a custom_id
 * or an instance, or whose custom_id does not match {@linkcode CUSTOM_ID_PATTERN}, are a `config` error (a journal
 * edited by hand).
 *
 * @example
 * ```ts
 * import { customIdMapOf } from "./custom_id.ts";
 * customIdMapOf([["a_b-0000000000zz", "a.b"]]).instanceOf("a_b-0000000000zz"); // "a.b"
 * ```
 */
export function customIdMapOf(pairs: readonly (readonly [string, string])[]): CustomIdMap {
  const byInstance = new Map<string, string>();
  const byCustom = new Map<string, string>();
  for (const [custom, instance] of pairs) {
    if (typeof custom !== "string" || typeof instance !== "string" || !CUSTOM_ID_PATTERN.test(custom)) {
      throw new SwebenchError("config", `invalid custom_id pair ${JSON.stringify([custom, instance])}`);
    }
    if (byCustom.has(custom) || byInstance.has(instance)) {
      throw new SwebenchError("config", `custom_id ${custom} or instance ${instance} is mapped twice`);
    }
    byCustom.set(custom, instance);
    byInstance.set(instance, custom);
  }
  return {
    customIdOf: (instanceId) => byInstance.get(instanceId),
    instanceOf: (customId) => byCustom.get(customId),
    pairs: () => [...byCustom.entries()],
    get size() {
      return byCustom.size;
    },
  };
}
