import * as z from "../zod";
import { err, ok, type Result } from "../engine/result";
import { createTtlCache } from "./cache";
import {
  AdapterEntrySchema,
  isLegacyPrompt,
  type AdapterEntry,
  type AdapterFields,
  type EngineKind,
  type PromptTensor,
} from "./schema";
import { retireTensor } from "./tensor/store";

/** KV key prefixes owned by the adapter registry (documented in docs/storage.md, Adapter registry). */
export const ADAPTER_PREFIX = "adapter:";
export const TASK_PREFIX = "task:";

/**
 * How long an isolate serves a task's adapter without asking KV again. With KV's own propagation (typically
 * up to 60 s), a change made elsewhere is seen everywhere within about 90 s; the isolate that made it sees it
 * at once.
 */
export const REGISTRY_CACHE_TTL_MS = 30_000;

// One cache per isolate, shared by every request it serves. `null` caches "no adapter" so unknown task names
// do not cost a KV read each.
const taskCache = createTtlCache<AdapterEntry | null>(REGISTRY_CACHE_TTL_MS);

/** Forgets every cached task (tests; an isolate never needs it). */
export function clearRegistryCache(): void {
  taskCache.clear();
}

/** Why a registry write was refused. */
export type RegistryWriteError =
  | { reason: "exists"; id: string }
  | { reason: "not_found"; id: string }
  | { reason: "task_taken"; task: string; adapter: string }
  | { reason: "prompt_tensor_given"; id: string }
  | { reason: "prompt_not_declared"; id: string }
  | { reason: "storage"; detail: string };

/** The uploaded prompt tensor of an entry, if it has one. */
export function promptTensorOf(entry: AdapterEntry | null | undefined): PromptTensor | undefined {
  const prompt = entry?.prompt;
  return prompt && !isLegacyPrompt(prompt) ? prompt.tensor : undefined;
}

const withoutTensor = <P extends { tensor?: unknown }>({ tensor: _tensor, ...rest }: P) => rest;
const sameTensor = (a: PromptTensor, b: PromptTensor) => JSON.stringify(a) === JSON.stringify(b);

/** One row of `GET /admin/tasks`. */
export interface TaskSummary {
  task: string;
  adapter: string;
  enabled: boolean;
  engine: EngineKind;
  version: number;
}

async function readEntry(kv: KVNamespace, key: string): Promise<Result<AdapterEntry | null, string>> {
  let raw: unknown;
  try {
    raw = await kv.get(key, "json");
  } catch (error) {
    return err(`${key}: ${(error as Error).message}`);
  }
  if (raw === null) return ok(null);
  const parsed = AdapterEntrySchema.safeParse(raw);
  return parsed.success ? ok(parsed.data) : err(`${key}: ${z.prettifyError(parsed.error)}`);
}

/**
 * The adapter registry in KV. `adapter:<id>` holds each entry (the source of truth for the admin API);
 * `task:<task>` holds a full copy of the entry serving that task, so routing is one read that always sees a
 * whole entry, never half of an update. KV has no transactions: concurrent admin writes are last-writer-wins.
 */
export function createAdapterRegistry(kv: KVNamespace, now: () => Date = () => new Date()) {
  async function writeEntry(entry: AdapterEntry, previous: AdapterEntry | null): Promise<void> {
    const json = JSON.stringify(entry);
    await kv.put(ADAPTER_PREFIX + entry.id, json);
    await Promise.all(entry.tasks.map((task) => kv.put(TASK_PREFIX + task, json)));
    const dropped = (previous?.tasks ?? []).filter((task) => !entry.tasks.includes(task));
    await Promise.all(dropped.map((task) => kv.delete(TASK_PREFIX + task)));
    for (const task of [...entry.tasks, ...dropped]) taskCache.delete(task);
  }

  async function claimable(id: string, tasks: readonly string[]): Promise<Result<void, RegistryWriteError>> {
    for (const task of tasks) {
      const holder = await readEntry(kv, TASK_PREFIX + task);
      if (!holder.ok) return err({ reason: "storage", detail: holder.error });
      if (holder.value && holder.value.id !== id) return err({ reason: "task_taken", task, adapter: holder.value.id });
    }
    return ok(undefined);
  }

  /** Lets a tensor expire once no adapter but `id` (which just let go of it) uses it. */
  async function retireUnused(sha256: string, id: string): Promise<void> {
    const listed = await registry.list();
    if (!listed.ok) return;
    if (listed.value.some((entry) => entry.id !== id && promptTensorOf(entry)?.sha256 === sha256)) return;
    await retireTensor(kv, sha256);
  }

  const registry = {
    /** The adapter serving `task` (`null` if none), cached in the isolate for REGISTRY_CACHE_TTL_MS. */
    async forTask(task: string): Promise<Result<AdapterEntry | null, string>> {
      const cached = taskCache.get(task);
      if (cached) return ok(cached.value);
      const read = await readEntry(kv, TASK_PREFIX + task);
      if (read.ok) taskCache.set(task, read.value);
      return read;
    },

    /** Drops the isolate's copy of a task's entry, so the next lookup reads KV. */
    forget(task: string): void {
      taskCache.delete(task);
    },

    /** One adapter by id, read from KV (not cached). */
    get(id: string): Promise<Result<AdapterEntry | null, string>> {
      return readEntry(kv, ADAPTER_PREFIX + id);
    },

    /** Every adapter, sorted by id. */
    async list(): Promise<Result<AdapterEntry[], string>> {
      const entries: AdapterEntry[] = [];
      let cursor: string | undefined;
      do {
        const page: KVNamespaceListResult<unknown, string> = await kv.list({
          prefix: ADAPTER_PREFIX,
          ...(cursor ? { cursor } : {}),
        });
        for (const key of page.keys) {
          const read = await readEntry(kv, key.name);
          if (!read.ok) return read;
          if (read.value) entries.push(read.value);
        }
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return ok(entries.sort((a, b) => a.id.localeCompare(b.id)));
    },

    /** Every task with the adapter serving it, sorted by task. */
    async tasks(): Promise<Result<TaskSummary[], string>> {
      const listed = await registry.list();
      if (!listed.ok) return listed;
      const rows = listed.value.flatMap((entry) =>
        entry.tasks.map((task) => ({
          task,
          adapter: entry.id,
          enabled: entry.enabled,
          engine: entry.backend.kind,
          version: entry.version,
        })),
      );
      return ok(rows.sort((a, b) => a.task.localeCompare(b.task)));
    },

    /**
     * Creates (`mode: "create"`, refused if the id exists) or replaces (`"replace"`, refused if it does not)
     * an adapter. A task already served by another adapter is refused: move it by updating that one first.
     */
    async put(fields: AdapterFields, mode: "create" | "replace"): Promise<Result<AdapterEntry, RegistryWriteError>> {
      const previous = await readEntry(kv, ADAPTER_PREFIX + fields.id);
      if (!previous.ok) return err({ reason: "storage", detail: previous.error });
      if (mode === "create" && previous.value) return err({ reason: "exists", id: fields.id });
      if (mode === "replace" && !previous.value) return err({ reason: "not_found", id: fields.id });
      const free = await claimable(fields.id, fields.tasks);
      if (!free.ok) return free;
      const kept = promptTensorOf(previous.value);
      const given = fields.prompt?.tensor;
      if (given && !(kept && sameTensor(given, kept))) return err({ reason: "prompt_tensor_given", id: fields.id });
      // The uploaded tensor stays while the prompt still declares its shape; otherwise it must be uploaded again.
      const prompt = fields.prompt;
      const fits =
        kept &&
        prompt &&
        kept.shape[0] === prompt.virtualTokens &&
        kept.shape[1] === prompt.hiddenSize &&
        (prompt.dtype === undefined || prompt.dtype === kept.dtype);
      const { prompt: _declared, ...rest } = fields;
      const entry: AdapterEntry = {
        ...rest,
        ...(prompt ? { prompt: fits ? { ...prompt, tensor: kept } : withoutTensor(prompt) } : {}),
        version: (previous.value?.version ?? 0) + 1,
        updatedAt: now().toISOString(),
      };
      await writeEntry(entry, previous.value);
      if (kept && !fits) await retireUnused(kept.sha256, entry.id);
      return ok(entry);
    },

    /** Attaches an uploaded prompt tensor to an adapter whose prompt declares its shape (checked by the caller). */
    async setPromptTensor(id: string, tensor: PromptTensor): Promise<Result<AdapterEntry, RegistryWriteError>> {
      const previous = await readEntry(kv, ADAPTER_PREFIX + id);
      if (!previous.ok) return err({ reason: "storage", detail: previous.error });
      if (!previous.value) return err({ reason: "not_found", id });
      const prompt = previous.value.prompt;
      if (!prompt || isLegacyPrompt(prompt)) return err({ reason: "prompt_not_declared", id });
      const entry: AdapterEntry = {
        ...previous.value,
        prompt: { ...prompt, tensor },
        version: previous.value.version + 1,
        updatedAt: now().toISOString(),
      };
      await writeEntry(entry, previous.value);
      if (prompt.tensor && prompt.tensor.sha256 !== tensor.sha256) await retireUnused(prompt.tensor.sha256, id);
      return ok(entry);
    },

    /** Enables or disables an adapter; a disabled adapter's tasks answer 404 until it is enabled again. */
    async setEnabled(id: string, enabled: boolean): Promise<Result<AdapterEntry, RegistryWriteError>> {
      const previous = await readEntry(kv, ADAPTER_PREFIX + id);
      if (!previous.ok) return err({ reason: "storage", detail: previous.error });
      if (!previous.value) return err({ reason: "not_found", id });
      const entry: AdapterEntry = {
        ...previous.value,
        enabled,
        version: previous.value.version + 1,
        updatedAt: now().toISOString(),
      };
      await writeEntry(entry, previous.value);
      return ok(entry);
    },

    /** Deletes an adapter and the task keys that point at it. */
    async remove(id: string): Promise<Result<AdapterEntry, RegistryWriteError>> {
      const previous = await readEntry(kv, ADAPTER_PREFIX + id);
      if (!previous.ok) return err({ reason: "storage", detail: previous.error });
      if (!previous.value) return err({ reason: "not_found", id });
      for (const task of previous.value.tasks) {
        const holder = await readEntry(kv, TASK_PREFIX + task);
        if (!holder.ok || holder.value?.id === id) await kv.delete(TASK_PREFIX + task);
        taskCache.delete(task);
      }
      await kv.delete(ADAPTER_PREFIX + id);
      const tensor = promptTensorOf(previous.value);
      if (tensor) await retireUnused(tensor.sha256, id);
      return ok(previous.value);
    },
  };
  return registry;
}

/** The registry's interface, for code that receives one. */
export type AdapterRegistry = ReturnType<typeof createAdapterRegistry>;
