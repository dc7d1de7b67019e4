import { crc32 } from "../../src/adapters/tensor/zip";

/** Storage class names torch.save pickles for each dtype. */
const STORAGE = { float32: "FloatStorage", bfloat16: "BFloat16Storage", float16: "HalfStorage" } as const;
export type FixtureDtype = keyof typeof STORAGE;

const encoder = new TextEncoder();

/**
 * Builds a `torch.save(tensor)` file the way test/fixtures/prompt-tensors/generate.py does for its "-miniz"
 * layout (torch's own: 64-byte aligned records, data descriptors, zip64 end records), with the pickle opcodes
 * Python's Pickler emits at protocol 2. A test checks this against the generated fixtures byte for byte, so
 * other tests can build tensors of any shape. Values are `((i % 17) - 8) * 0.25`, exact in every dtype.
 */
export function torchSave(dtype: FixtureDtype, shape: number[]): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return minizZip([
    ["data.pkl", tensorPickle(STORAGE[dtype], numel, shape, strides)],
    [".format_version", encoder.encode("1")],
    [".storage_alignment", encoder.encode("64")],
    ["byteorder", encoder.encode("little")],
    ["data/0", tensorData(dtype, numel)],
    ["version", encoder.encode("3\n")],
    [".data/serialization_id", encoder.encode("0123456789012345678901234567890123456789")],
  ]);
}

function tensorData(dtype: FixtureDtype, numel: number): Uint8Array {
  const size = dtype === "float32" ? 4 : 2;
  const out = new Uint8Array(numel * size);
  const view = new DataView(out.buffer);
  const f32 = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < numel; i += 1) {
    const value = ((i % 17) - 8) * 0.25;
    if (dtype === "float32") view.setFloat32(i * 4, value, true);
    else if (dtype === "bfloat16") {
      f32.setFloat32(0, value, true);
      view.setUint16(i * 2, f32.getUint16(2, true), true);
    } else view.setUint16(i * 2, toHalf(value), true);
  }
  return out;
}

/** IEEE half precision of a value that is exact in it (the fixture values are). */
function toHalf(value: number): number {
  if (value === 0) return Object.is(value, -0) ? 0x8000 : 0;
  const sign = value < 0 ? 0x8000 : 0;
  const abs = Math.abs(value);
  const exponent = Math.floor(Math.log2(abs));
  const mantissa = Math.round((abs / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | mantissa;
}

function tensorPickle(storage: string, numel: number, shape: number[], strides: number[]): Uint8Array {
  const out: number[] = [0x80, 0x02];
  let memo = 0;
  const put = () => out.push(0x71, memo++);
  const ascii = (text: string) => out.push(...encoder.encode(text));
  const global = (module: string, name: string) => {
    out.push(0x63);
    ascii(`${module}\n${name}\n`);
    put();
  };
  const unicode = (text: string) => {
    const bytes = encoder.encode(text);
    out.push(0x58, bytes.length & 0xff, (bytes.length >> 8) & 0xff, 0, 0, ...bytes);
    put();
  };
  const int = (n: number) => {
    if (n < 0x100) out.push(0x4b, n);
    else if (n < 0x10000) out.push(0x4d, n & 0xff, n >> 8);
    else out.push(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  };
  const tuple = (items: number[]) => {
    if (items.length > 3) out.push(0x28);
    items.forEach(int);
    out.push(items.length > 3 ? 0x74 : 0x84 + items.length);
    put();
  };
  global("torch._utils", "_rebuild_tensor_v2");
  out.push(0x28, 0x28);
  unicode("storage");
  global("torch", storage);
  unicode("0");
  unicode("cpu");
  int(numel);
  out.push(0x74);
  put();
  out.push(0x51);
  int(0);
  tuple(shape);
  tuple(strides);
  out.push(0x89);
  global("collections", "OrderedDict");
  out.push(0x29, 0x52);
  put();
  out.push(0x74);
  put();
  out.push(0x52);
  put();
  out.push(0x2e);
  return Uint8Array.from(out);
}

function minizZip(entries: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let length = 0;
  let centralLength = 0;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    length += bytes.length;
  };
  for (const [name, data] of entries) {
    const full = encoder.encode(`archive/${name}`);
    const crc = crc32(data);
    const offset = length;
    const pad = ((-(offset + 30 + full.length + 4) % 64) + 64) % 64;
    const local = new DataView(new ArrayBuffer(30 + full.length + 4 + pad));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 45, true);
    local.setUint16(6, 0x0008, true);
    local.setUint16(12, 0x21, true);
    local.setUint16(26, full.length, true);
    local.setUint16(28, 4 + pad, true);
    new Uint8Array(local.buffer).set(full, 30);
    local.setUint16(30 + full.length, 0x4246, true);
    local.setUint16(32 + full.length, pad, true);
    new Uint8Array(local.buffer).fill(0x5a, 34 + full.length);
    push(new Uint8Array(local.buffer));
    push(data);
    const descriptor = new DataView(new ArrayBuffer(16));
    descriptor.setUint32(0, 0x08074b50, true);
    descriptor.setUint32(4, crc, true);
    descriptor.setUint32(8, data.length, true);
    descriptor.setUint32(12, data.length, true);
    push(new Uint8Array(descriptor.buffer));
    const header = new DataView(new ArrayBuffer(46 + full.length));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, 45, true);
    header.setUint16(6, 45, true);
    header.setUint16(8, 0x0008, true);
    header.setUint16(14, 0x21, true);
    header.setUint32(16, crc, true);
    header.setUint32(20, data.length, true);
    header.setUint32(24, data.length, true);
    header.setUint16(28, full.length, true);
    header.setUint32(42, offset, true);
    new Uint8Array(header.buffer).set(full, 46);
    central.push(new Uint8Array(header.buffer));
    centralLength += header.byteLength;
  }
  const centralOffset = length;
  central.forEach(push);
  const zip64 = length;
  const end = new DataView(new ArrayBuffer(56 + 20 + 22));
  end.setUint32(0, 0x06064b50, true);
  end.setBigUint64(4, 44n, true);
  end.setUint16(12, 45, true);
  end.setUint16(14, 45, true);
  end.setBigUint64(24, BigInt(entries.length), true);
  end.setBigUint64(32, BigInt(entries.length), true);
  end.setBigUint64(40, BigInt(centralLength), true);
  end.setBigUint64(48, BigInt(centralOffset), true);
  end.setUint32(56, 0x07064b50, true);
  end.setBigUint64(64, BigInt(zip64), true);
  end.setUint32(72, 1, true);
  end.setUint32(76, 0x06054b50, true);
  end.setUint16(84, 0xffff, true);
  end.setUint16(86, 0xffff, true);
  end.setUint32(88, 0xffffffff, true);
  end.setUint32(92, 0xffffffff, true);
  push(new Uint8Array(end.buffer));
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
