import { err, ok, type Result } from "../../engine/result";

/**
 * A value read from a pickle by `readPickle`. Nothing is ever called or imported: a global is only its name, a
 * call (`REDUCE`) only records the callable and its arguments, so reading a hostile pickle is as safe as reading
 * JSON.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | { kind: "tuple"; items: PickleValue[] }
  | { kind: "list"; items: PickleValue[] }
  | { kind: "dict"; entries: [PickleValue, PickleValue][] }
  | { kind: "global"; module: string; name: string }
  | { kind: "call"; callable: PickleValue; args: PickleValue }
  | { kind: "persistent"; id: PickleValue };

type Slot = PickleValue | { kind: "mark" };

/** A tensor's data.pkl is a few hundred bytes; anything near this is not one. */
const MAX_PICKLE_BYTES = 1 << 20;
const MAX_OPS = 100_000;

const MARK: Slot = { kind: "mark" };

/**
 * Reads a pickle (protocols 2 to 5) into plain values, for the opcodes `torch.save` and `torch.load(weights_only)`
 * use: tuples, lists, dicts, strings, ints, floats, booleans, globals, persistent ids, REDUCE and BUILD. Any other
 * opcode is an error naming it.
 */
export function readPickle(bytes: Uint8Array): Result<PickleValue, string> {
  if (bytes.length > MAX_PICKLE_BYTES) return err(`the pickle is ${bytes.length} bytes, too large for a tensor`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;

  const need = (n: number) => {
    if (at + n > bytes.length) throw new PickleError("the pickle ends early");
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u8 = () => take(1)[0]!;
  const fixed = <T>(n: number, read: (offset: number) => T): T => {
    need(n);
    const value = read(at);
    at += n;
    return value;
  };
  const u32 = () => fixed(4, (o) => view.getUint32(o, true));
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw new PickleError("the pickle ends early");
    if (end - at > 1000) throw new PickleError("a pickled global name is too long");
    // GLOBAL names are ASCII (Python writes them so, as raw-unicode-escape).
    const text = String.fromCharCode(...bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined || isMark(value)) throw new PickleError("the pickle's stack is empty");
    return value;
  };
  const popMark = (): PickleValue[] => {
    let index = stack.length - 1;
    while (index >= 0 && !isMark(stack[index]!)) index -= 1;
    if (index < 0) throw new PickleError("the pickle has no MARK");
    const items = stack.splice(index + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const top = (): PickleValue => {
    const value = stack[stack.length - 1];
    if (value === undefined || isMark(value)) throw new PickleError("the pickle's stack is empty");
    return value;
  };
  const text = (n: number) => {
    try {
      return utf8.decode(take(n));
    } catch (error) {
      if (error instanceof PickleError) throw error;
      throw new PickleError("a pickled string is not UTF-8");
    }
  };
  const get = (index: number) => {
    const value = memo.get(index);
    if (value === undefined) throw new PickleError(`the pickle reads memo ${index} before writing it`);
    return value;
  };

  try {
    for (let ops = 0; ops < MAX_OPS; ops += 1) {
      need(1);
      const op = bytes[at++]!;
      switch (op) {
        case 0x80: // PROTO
          take(1);
          break;
        case 0x95: // FRAME: a length hint only
          take(8);
          break;
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = line();
          stack.push({ kind: "global", module, name: line() });
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (typeof module !== "string" || typeof name !== "string") throw new PickleError("a bad STACK_GLOBAL");
          stack.push({ kind: "global", module, name });
          break;
        }
        case 0x71: // BINPUT
          memo.set(u8(), top());
          break;
        case 0x72: // LONG_BINPUT
          memo.set(u32(), top());
          break;
        case 0x94: // MEMOIZE
          memo.set(memo.size, top());
          break;
        case 0x68: // BINGET
          stack.push(get(u8()));
          break;
        case 0x6a: // LONG_BINGET
          stack.push(get(u32()));
          break;
        case 0x28: // MARK
          stack.push(MARK);
          break;
        case 0x74: // TUPLE
          stack.push({ kind: "tuple", items: popMark() });
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push({ kind: "tuple", items: [] });
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const items: PickleValue[] = [];
          for (let n = op - 0x84; n > 0; n -= 1) items.unshift(pop());
          stack.push({ kind: "tuple", items });
          break;
        }
        case 0x58: // BINUNICODE
          stack.push(text(u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          stack.push(text(u8()));
          break;
        case 0x4b: // BININT1
          stack.push(u8());
          break;
        case 0x4d: // BININT2
          stack.push(fixed(2, (o) => view.getUint16(o, true)));
          break;
        case 0x4a: // BININT
          stack.push(fixed(4, (o) => view.getInt32(o, true)));
          break;
        case 0x8a: {
          // LONG1: little-endian two's complement
          const digits = take(u8());
          let value = 0n;
          for (let i = digits.length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(digits[i]!);
          if (digits.length > 0 && digits[digits.length - 1]! & 0x80) value -= 1n << BigInt(8 * digits.length);
          if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER))
            throw new PickleError("a pickled integer is too large");
          stack.push(Number(value));
          break;
        }
        case 0x47: // BINFLOAT, big-endian
          stack.push(fixed(8, (o) => view.getFloat64(o, false)));
          break;
        case 0x88: // NEWTRUE
          stack.push(true);
          break;
        case 0x89: // NEWFALSE
          stack.push(false);
          break;
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x51: // BINPERSID
          stack.push({ kind: "persistent", id: pop() });
          break;
        case 0x52: {
          // REDUCE
          const args = pop();
          stack.push({ kind: "call", callable: pop(), args });
          break;
        }
        case 0x62: // BUILD: object state; what it sets is not needed here
          pop();
          top();
          break;
        case 0x7d: // EMPTY_DICT
          stack.push({ kind: "dict", entries: [] });
          break;
        case 0x5d: // EMPTY_LIST
          stack.push({ kind: "list", items: [] });
          break;
        case 0x73: {
          // SETITEM
          const value = pop();
          const key = pop();
          container(top(), "dict").entries.push([key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popMark();
          const dict = container(top(), "dict");
          for (let i = 0; i + 1 < items.length; i += 2) dict.entries.push([items[i]!, items[i + 1]!]);
          break;
        }
        case 0x61: {
          // APPEND
          const value = pop();
          container(top(), "list").items.push(value);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = popMark();
          container(top(), "list").items.push(...items);
          break;
        }
        case 0x2e: // STOP
          if (stack.length !== 1) return err("the pickle ends with a malformed stack");
          return ok(pop());
        default:
          return err(`the pickle uses opcode 0x${op.toString(16)}, which a tensor file does not`);
      }
    }
    return err("the pickle is too long for a tensor");
  } catch (error) {
    if (error instanceof PickleError) return err(error.message);
    throw error;
  }
}

class PickleError extends Error {}

function isMark(slot: Slot): slot is { kind: "mark" } {
  return slot !== null && typeof slot === "object" && slot.kind === "mark";
}

function container<K extends "dict" | "list">(value: PickleValue, kind: K): Extract<PickleValue, { kind: K }> {
  if (value === null || typeof value !== "object" || value.kind !== kind)
    throw new PickleError(`the pickle adds items to something that is not a ${kind}`);
  return value as Extract<PickleValue, { kind: K }>;
}
