import { err, ok, type Result } from "../../engine/result";
import { readPickle, type PickleValue } from "./pickle";
import { crc32, readStoredZip, type ZipRecord } from "./zip";

/** The dtypes vLLM accepts for `prompt_embeds` (vllm/renderers/embed_utils.py, safe_load_prompt_embeds). */
export const PROMPT_DTYPES = ["float32", "bfloat16", "float16"] as const;
export type PromptDtype = (typeof PROMPT_DTYPES)[number];

/** torch's legacy storage class names (what a tensor's pickle names) and what they hold. */
const STORAGES: Record<string, { dtype: string; itemSize: number }> = {
  FloatStorage: { dtype: "float32", itemSize: 4 },
  BFloat16Storage: { dtype: "bfloat16", itemSize: 2 },
  HalfStorage: { dtype: "float16", itemSize: 2 },
  DoubleStorage: { dtype: "float64", itemSize: 8 },
  LongStorage: { dtype: "int64", itemSize: 8 },
  IntStorage: { dtype: "int32", itemSize: 4 },
  ShortStorage: { dtype: "int16", itemSize: 2 },
  CharStorage: { dtype: "int8", itemSize: 1 },
  ByteStorage: { dtype: "uint8", itemSize: 1 },
  BoolStorage: { dtype: "bool", itemSize: 1 },
  ComplexFloatStorage: { dtype: "complex64", itemSize: 8 },
  ComplexDoubleStorage: { dtype: "complex128", itemSize: 16 },
};

/** What a `torch.save` file holds, when it holds one dense tensor. */
export interface TorchTensor {
  dtype: PromptDtype;
  shape: number[];
  /** Bytes of the tensor's storage record. */
  storageBytes: number;
}

const isGlobal = (value: PickleValue, module: string, name: string) =>
  value !== null &&
  typeof value === "object" &&
  value.kind === "global" &&
  value.module === module &&
  value.name === name;
const tupleItems = (value: PickleValue): PickleValue[] | undefined =>
  value !== null && typeof value === "object" && value.kind === "tuple" ? value.items : undefined;
const isCount = (value: PickleValue): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * Reads the dtype and shape of the tensor in a `torch.save` file (torch >= 1.6's zip format), checking it the way
 * `torch.load(weights_only=True)` would read it: one `data.pkl` whose object is
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` (or an `nn.Parameter` of one), a storage
 * record of exactly its declared size, the tensor inside its storage, and matching CRC-32s. Only float32,
 * bfloat16 and float16 are accepted; anything else is an error saying what the file holds instead.
 */
export function readTorchTensor(bytes: Uint8Array): Result<TorchTensor, string> {
  if (bytes[0] === 0x80) return err("it is in torch's legacy format; save it with torch.save's default (zip) format");
  const zip = readStoredZip(bytes);
  if (!zip.ok) return err(`it is not a torch.save file: ${zip.error}`);
  const pickles = zip.value.filter((record) => record.name.endsWith("/data.pkl") || record.name === "data.pkl");
  if (pickles.length !== 1) return err("it is not a torch.save file: it has no single data.pkl record");
  const pickle = pickles[0]!;
  const prefix = pickle.name.slice(0, -"data.pkl".length);
  const damaged = checkCrc(pickle);
  if (damaged) return err(damaged);
  const read = readPickle(pickle.data);
  if (!read.ok) return err(`its data.pkl cannot be read: ${read.error}`);

  let value = read.value;
  // nn.Parameter pickles as _rebuild_parameter(tensor, requires_grad, hooks); vLLM takes any Tensor.
  if (
    value !== null &&
    typeof value === "object" &&
    value.kind === "call" &&
    isGlobal(value.callable, "torch._utils", "_rebuild_parameter")
  )
    value = tupleItems(value.args)?.[0] ?? null;
  if (!(
    value !== null &&
    typeof value === "object" &&
    value.kind === "call" &&
    isGlobal(value.callable, "torch._utils", "_rebuild_tensor_v2")
  ))
    return err(`it holds ${describe(value)}, not a single dense tensor`);
  const [storage, offset, size, stride] = tupleItems(value.args) ?? [];
  const id =
    storage !== null && typeof storage === "object" && storage.kind === "persistent"
      ? tupleItems(storage.id)
      : undefined;
  const [tag, storageType, key, , numel] = id ?? [];
  if (
    tag !== "storage" ||
    typeof key !== "string" ||
    !isCount(numel ?? null) ||
    storageType === null ||
    typeof storageType !== "object" ||
    storageType.kind !== "global" ||
    storageType.module !== "torch"
  )
    return err("its tensor does not name a storage the way torch.save does");
  const kind = STORAGES[storageType.name];
  if (!kind) return err(`its tensor uses torch.${storageType.name}, which is not a tensor storage`);
  if (!(PROMPT_DTYPES as readonly string[]).includes(kind.dtype))
    return err(`its tensor is ${kind.dtype}; a prompt tensor must be float32, bfloat16 or float16`);
  const shape = tupleItems(size ?? null);
  const strides = tupleItems(stride ?? null);
  if (!shape || !strides || shape.length !== strides.length || shape.length > 8 || !isCount(offset ?? null))
    return err("its tensor's size, stride or offset is malformed");
  if (!shape.every(isCount) || !strides.every(isCount)) return err("its tensor's size or stride is malformed");

  const record = zip.value.find((entry) => entry.name === `${prefix}data/${key}`);
  if (!record) return err(`it has no record data/${key} for its tensor's storage`);
  const storageBytes = (numel as number) * kind.itemSize;
  if (record.data.length !== storageBytes)
    return err(
      `its storage record holds ${record.data.length} bytes; ${numel} ${kind.dtype} values need ${storageBytes}`,
    );
  const recordDamage = checkCrc(record);
  if (recordDamage) return err(recordDamage);
  const elements = (shape as number[]).reduce((product, n) => product * n, 1);
  const last = (shape as number[]).reduce((end, n, i) => end + (n - 1) * (strides[i] as number), offset as number);
  if (elements > 0 && last >= (numel as number))
    return err(`its tensor (size ${(shape as number[]).join("x")}) reaches past its storage of ${numel} values`);
  return ok({ dtype: kind.dtype as PromptDtype, shape: shape as number[], storageBytes });
}

function checkCrc(record: ZipRecord): string | undefined {
  // A writer that skips checksums leaves 0; torch computes them by default.
  if (record.crc32 !== 0 && crc32(record.data) !== record.crc32)
    return `its record ${record.name} is damaged (CRC-32 mismatch)`;
  return undefined;
}

function describe(value: PickleValue): string {
  if (value === null) return "None";
  if (typeof value !== "object") return `a ${typeof value}`;
  switch (value.kind) {
    case "dict":
      return "a dict";
    case "list":
      return "a list";
    case "tuple":
      return "a tuple";
    case "call":
      return value.callable !== null && typeof value.callable === "object" && value.callable.kind === "global"
        ? `${value.callable.module}.${value.callable.name}(...)`
        : "an object";
    default:
      return "an object";
  }
}
