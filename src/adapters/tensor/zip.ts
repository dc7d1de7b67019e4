import { err, ok, type Result } from "../../engine/result";

/** One stored record of a zip archive: its name and a view of its bytes (no copy). */
export interface ZipRecord {
  name: string;
  data: Uint8Array;
  /** The CRC-32 the archive declares for the record; 0 when the writer did not compute one. */
  crc32: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
/** Records one archive may hold: torch.save writes seven for one tensor. */
const MAX_RECORDS = 256;

/**
 * Reads the records of a zip archive in which every record is stored uncompressed, as `torch.save` writes them.
 * Sizes and offsets come from the central directory, so archives with data descriptors (sizes after the data)
 * and zip64 end records (torch's writer always ends with one) read the same as plain ones. Nothing is inflated:
 * a compressed record is an error, as torch never writes one.
 */
export function readStoredZip(bytes: Uint8Array): Result<ZipRecord[], string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const value = view.getBigUint64(at, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  if (bytes.length < 22 || u32(0) !== LOCAL) return err("it is not a zip archive");

  // The end record is the last 22 bytes, unless a comment (up to 64 KiB) follows it.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at -= 1) {
    if (u32(at) === EOCD && at + 22 + u16(at + 20) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return err("the zip archive has no end record (truncated?)");
  let count = u16(eocd + 10);
  let size = u32(eocd + 12);
  let start = u32(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) return err("the zip64 end record is missing");
    const record = u64(locator + 8);
    if (record + 56 > bytes.length || u32(record) !== ZIP64_EOCD) return err("the zip64 end record is damaged");
    count = u64(record + 32);
    size = u64(record + 40);
    start = u64(record + 48);
  }
  if (count > MAX_RECORDS) return err(`the zip archive holds ${count} records, more than a tensor file`);
  if (start + size > bytes.length) return err("the zip central directory lies outside the file");

  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const records: ZipRecord[] = [];
  let at = start;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > bytes.length || u32(at) !== CENTRAL) return err("the zip central directory is damaged");
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    let compressed = u32(at + 20);
    let length = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let local = u32(at + 42);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      return err("a zip record name is not UTF-8");
    }
    // Zip64 sizes and offset, in this order, for each 32-bit field that says 0xffffffff.
    for (let extra = at + 46 + nameLength; extra + 4 <= at + 46 + nameLength + extraLength;) {
      const id = u16(extra);
      const fieldLength = u16(extra + 2);
      if (id === ZIP64_EXTRA) {
        let field = extra + 4;
        if (length === 0xffffffff) {
          length = u64(field);
          field += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = u64(field);
          field += 8;
        }
        if (local === 0xffffffff) local = u64(field);
      }
      extra += 4 + fieldLength;
    }
    if (flags & 0x1) return err(`zip record ${name} is encrypted`);
    if (method !== 0 || compressed !== length) return err(`zip record ${name} is compressed; torch.save stores`);
    if (local + 30 > bytes.length || u32(local) !== LOCAL) return err(`zip record ${name} has no local header`);
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataStart + length > bytes.length) return err(`zip record ${name} is truncated`);
    records.push({ name, data: bytes.subarray(dataStart, dataStart + length), crc32 });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return ok(records);
}

let table: Uint32Array | undefined;

/** The CRC-32 (IEEE 802.3, as zip uses) of `data`. */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i += 1) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
