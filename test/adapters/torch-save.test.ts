import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../../src/adapters/tensor/base64";
import { readPickle } from "../../src/adapters/tensor/pickle";
import { readTorchTensor } from "../../src/adapters/tensor/torch-save";
import { crc32, readStoredZip } from "../../src/adapters/tensor/zip";
import bf16Miniz from "../fixtures/prompt-tensors/bf16-4x8-miniz.b64?raw";
import dict from "../fixtures/prompt-tensors/dict-f32-4x8.b64?raw";
import f16 from "../fixtures/prompt-tensors/f16-4x8.b64?raw";
import f32OutOfBounds from "../fixtures/prompt-tensors/f32-out-of-bounds.b64?raw";
import f32Large from "../fixtures/prompt-tensors/f32-20x64-miniz.b64?raw";
import f32 from "../fixtures/prompt-tensors/f32-4x8.b64?raw";
import f32Rank3 from "../fixtures/prompt-tensors/f32-1x4x8.b64?raw";
import f32View from "../fixtures/prompt-tensors/f32-view-4x8.b64?raw";
import f64 from "../fixtures/prompt-tensors/f64-4x8.b64?raw";
import i64 from "../fixtures/prompt-tensors/i64-4x8.b64?raw";
import param from "../fixtures/prompt-tensors/param-f32-4x8.b64?raw";
import { torchSave } from "./torch-file";

const bytes = (b64: string) => {
  const decoded = fromBase64(b64);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
};
const read = (b64: string) => readTorchTensor(bytes(b64));
const failure = (b64: string | Uint8Array) => {
  const result = readTorchTensor(typeof b64 === "string" ? bytes(b64) : b64);
  return result.ok ? "accepted" : result.error;
};

describe("reading torch.save files (fixtures written by Python's pickle and zipfile)", () => {
  it("reads dtype and shape from both zip layouts: Python's and torch's (aligned, data descriptors, zip64)", () => {
    expect(read(f32)).toEqual({ ok: true, value: { dtype: "float32", shape: [4, 8], storageBytes: 128 } });
    expect(read(bf16Miniz)).toEqual({ ok: true, value: { dtype: "bfloat16", shape: [4, 8], storageBytes: 64 } });
    expect(read(f16)).toEqual({ ok: true, value: { dtype: "float16", shape: [4, 8], storageBytes: 64 } });
    expect(read(f32Large)).toEqual({ ok: true, value: { dtype: "float32", shape: [20, 64], storageBytes: 5120 } });
  });

  it("accepts a view inside a larger storage and an nn.Parameter, as torch.load does", () => {
    expect(read(f32View)).toMatchObject({ ok: true, value: { shape: [4, 8], storageBytes: 192 } });
    expect(read(param)).toMatchObject({ ok: true, value: { dtype: "float32", shape: [4, 8] } });
  });

  it("refuses dtypes vLLM does not take, naming the dtype found", () => {
    expect(failure(f64)).toBe("its tensor is float64; a prompt tensor must be float32, bfloat16 or float16");
    expect(failure(i64)).toBe("its tensor is int64; a prompt tensor must be float32, bfloat16 or float16");
  });

  it("reports the shape of a 3-D tensor rather than guessing, and refuses what is not a tensor", () => {
    expect(read(f32Rank3)).toMatchObject({ ok: true, value: { shape: [1, 4, 8] } });
    expect(failure(dict)).toBe("it holds a dict, not a single dense tensor");
  });

  it("refuses a tensor that reaches past its storage", () => {
    expect(failure(f32OutOfBounds)).toBe("its tensor (size 4x8) reaches past its storage of 24 values");
  });

  it("refuses damaged, truncated and legacy files with a reason", () => {
    const damaged = bytes(f32);
    const zip = readStoredZip(damaged);
    const data = zip.ok ? zip.value.find((r) => r.name === "archive/data/0")!.data : undefined;
    data![0] = data![0]! ^ 0xff;
    expect(failure(damaged)).toBe("its record archive/data/0 is damaged (CRC-32 mismatch)");
    expect(failure(bytes(f32).subarray(0, 600))).toMatch(/^it is not a torch\.save file: /);
    expect(failure(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]))).toMatch(/legacy format/);
    expect(failure(new TextEncoder().encode("not a tensor at all"))).toBe(
      "it is not a torch.save file: it is not a zip archive",
    );
  });
});

describe("the test builder writes what the Python generator writes", () => {
  it("matches the generated fixtures byte for byte", () => {
    expect(toBase64(torchSave("float32", [20, 64]))).toBe(f32Large.trim());
    expect(toBase64(torchSave("bfloat16", [4, 8]))).toBe(bf16Miniz.trim());
  });

  it("builds float16 tensors whose values read back exactly", () => {
    expect(readTorchTensor(torchSave("float16", [3, 5]))).toMatchObject({ ok: true, value: { shape: [3, 5] } });
    const zip = readStoredZip(torchSave("float16", [1, 17]));
    const data = zip.ok ? zip.value.find((r) => r.name === "archive/data/0")!.data : new Uint8Array();
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    expect([view.getUint16(0, true), view.getUint16(16, true), view.getUint16(32, true)]).toEqual([
      0xc000, 0x0000, 0x4000,
    ]);
  });
});

describe("pickle and zip readers", () => {
  it("reads the pickle values a tensor file uses and refuses other opcodes", () => {
    const pickle = Uint8Array.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, 0x4b, 0x01, 0x4d, 0x00, 0x01, 0x65, 0x2e]);
    expect(readPickle(pickle)).toEqual({ ok: true, value: { kind: "list", items: [1, 256] } });
    // 'i' (INST) would import and call in Python.
    expect(readPickle(Uint8Array.from([0x80, 0x02, 0x69]))).toEqual({
      ok: false,
      error: "the pickle uses opcode 0x69, which a tensor file does not",
    });
    expect(readPickle(Uint8Array.from([0x80, 0x02, 0x68, 0x05]))).toMatchObject({ ok: false });
  });

  it("computes zip's CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("base64", () => {
  it("round-trips bytes and ignores line breaks, refusing other characters", () => {
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    const text = toBase64(data);
    expect(fromBase64(text)).toEqual({ ok: true, value: data });
    expect(fromBase64(`${text.slice(0, 76)}\n${text.slice(76)}\n`)).toEqual({ ok: true, value: data });
    expect(fromBase64("abc$")).toMatchObject({ ok: false });
  });
});
