import { err, ok, type Result } from "../engine/result";

/** One `ADAPTER_ALLOWED_HOSTS` entry. */
type AllowEntry =
  | { kind: "name"; name: string }
  | { kind: "suffix"; suffix: string }
  | { kind: "cidr"; bytes: Uint8Array; prefix: number };

/** The hosts a self-hosted backend may use beyond public https: http, loopback, private addresses and names. */
export interface HostPolicy {
  entries: readonly AllowEntry[];
}

/** Where a host falls, from never allowed to public. */
type HostClass = "never" | "loopback" | "private" | "public";

interface Range {
  cidr: string;
  class: HostClass;
  what: string;
}

/**
 * Address ranges, most specific first. IPv4 ranges are matched on IPv4 addresses and on IPv6 addresses that embed
 * one (::ffff:a.b.c.d, 64:ff9b::a.b.c.d), so a metadata address cannot be reached through its IPv6 spelling.
 */
const RANGES: Range[] = [
  { cidr: "169.254.169.254/32", class: "never", what: "the cloud metadata address" },
  { cidr: "100.100.100.200/32", class: "never", what: "Alibaba Cloud's metadata address" },
  { cidr: "fd00:ec2::254/128", class: "never", what: "AWS's IPv6 metadata address" },
  { cidr: "169.254.0.0/16", class: "never", what: "a link-local address" },
  { cidr: "fe80::/10", class: "never", what: "a link-local address" },
  { cidr: "0.0.0.0/8", class: "never", what: "an unspecified address" },
  { cidr: "::/128", class: "never", what: "an unspecified address" },
  { cidr: "224.0.0.0/3", class: "never", what: "a multicast or reserved address" },
  { cidr: "ff00::/8", class: "never", what: "a multicast address" },
  { cidr: "127.0.0.0/8", class: "loopback", what: "a loopback address" },
  { cidr: "::1/128", class: "loopback", what: "a loopback address" },
  { cidr: "10.0.0.0/8", class: "private", what: "a private address" },
  { cidr: "172.16.0.0/12", class: "private", what: "a private address" },
  { cidr: "192.168.0.0/16", class: "private", what: "a private address" },
  { cidr: "100.64.0.0/10", class: "private", what: "a shared (CGNAT) address" },
  { cidr: "198.18.0.0/15", class: "private", what: "a benchmarking address" },
  { cidr: "192.0.0.0/24", class: "private", what: "an IETF protocol address" },
  { cidr: "fc00::/7", class: "private", what: "a unique-local address" },
  { cidr: "fec0::/10", class: "private", what: "a site-local address" },
];

/** Names that resolve to metadata services inside clouds (GCP, AWS). */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);
/** Name suffixes that only resolve inside a private network. */
const INTERNAL_SUFFIXES = [
  ".internal",
  ".local",
  ".localdomain",
  ".lan",
  ".home.arpa",
  ".intranet",
  ".corp",
  ".private",
];

const parsedRanges = RANGES.map((range) => ({ ...range, net: parseCidr(range.cidr)! }));

/**
 * Parses `ADAPTER_ALLOWED_HOSTS`: comma- or space-separated host names (`vllm.internal`), wildcard suffixes
 * (`*.gpu.internal`), IP addresses and CIDRs (`10.0.0.0/8`, `fd00::/8`).
 */
export function parseAllowedHosts(list: string): Result<HostPolicy, string> {
  const entries: AllowEntry[] = [];
  for (const raw of list.split(/[\s,]+/).filter(Boolean)) {
    const item = raw.toLowerCase().replace(/\.+$/, "");
    const cidr = parseCidr(item.includes("/") ? item : `${item}/${item.includes(":") ? 128 : 32}`);
    if (cidr) entries.push({ kind: "cidr", ...cidr });
    else if (item.startsWith("*.") && isHostName(item.slice(2)))
      entries.push({ kind: "suffix", suffix: item.slice(1) });
    else if (isHostName(item)) entries.push({ kind: "name", name: item });
    else return err(`"${raw}" is not a host name, *.suffix, IP address or CIDR`);
  }
  return ok({ entries });
}

let memo: { list: string; policy: Result<HostPolicy, string> } | undefined;

/** `parseAllowedHosts`, remembered for the isolate (the list is configuration, it changes with a deploy). */
export function allowedHosts(list: string): Result<HostPolicy, string> {
  if (memo?.list !== list) memo = { list, policy: parseAllowedHosts(list) };
  return memo.policy;
}

/**
 * Checks an adapter backend's base URL. Backends receive `ADAPTER_KEY_*` secrets, so: link-local and metadata
 * addresses are never allowed; loopback, private addresses and internal names only when `ADAPTER_ALLOWED_HOSTS`
 * lists them; plain http only to a listed host. A public host over https needs no listing. Names are judged as
 * written: a Worker cannot resolve them first (and Cloudflare's network does not reach private addresses anyway).
 * @returns why the URL is refused, in words an admin can act on
 */
export function checkBaseUrl(baseUrl: string, policy: HostPolicy): Result<void, string> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return err("it is not a URL");
  }
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const ip = parseIp(bare);
  const listed = policy.entries.some((entry) => matches(entry, bare, ip));
  const { class: kind, what } = ip ? classifyIp(ip) : classifyName(bare);
  if (kind === "never")
    return err(`${bare} is ${what}; backends receive ADAPTER_KEY_* secrets, so it is never allowed`);
  if (kind !== "public" && !listed) return err(`${bare} is ${what}: list it in ADAPTER_ALLOWED_HOSTS to allow it`);
  if (url.protocol === "http:" && !listed)
    return err(`plain http would send the backend's key in clear: use https, or list ${bare} in ADAPTER_ALLOWED_HOSTS`);
  return ok(undefined);
}

function classifyIp(ip: Uint8Array): { class: HostClass; what: string } {
  const v4 = embeddedV4(ip);
  for (const range of parsedRanges) {
    if (inRange(ip, range.net) || (v4 && inRange(v4, range.net))) return range;
  }
  return { class: "public", what: "a public address" };
}

function classifyName(host: string): { class: HostClass; what: string } {
  if (METADATA_NAMES.has(host)) return { class: "never", what: "a cloud metadata host name" };
  if (host === "localhost" || host.endsWith(".localhost")) return { class: "loopback", what: "a loopback name" };
  if (!host.includes(".") || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix)))
    return { class: "private", what: "an internal host name" };
  return { class: "public", what: "a public host name" };
}

function matches(entry: AllowEntry, host: string, ip: Uint8Array | undefined): boolean {
  switch (entry.kind) {
    case "name":
      return host === entry.name;
    case "suffix":
      return host.endsWith(entry.suffix);
    case "cidr": {
      if (!ip) return false;
      const v4 = embeddedV4(ip);
      return inRange(ip, entry) || (v4 !== undefined && inRange(v4, entry));
    }
  }
}

function inRange(ip: Uint8Array, net: { bytes: Uint8Array; prefix: number }): boolean {
  if (ip.length !== net.bytes.length) return false;
  for (let bit = 0; bit < net.prefix; bit += 1) {
    const mask = 0x80 >> (bit % 8);
    if ((ip[bit >> 3]! & mask) !== (net.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedV4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length !== 16) return undefined;
  const mapped = ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
  const nat64 =
    ip[0] === 0 && ip[1] === 0x64 && ip[2] === 0xff && ip[3] === 0x9b && ip.subarray(4, 12).every((b) => b === 0);
  return mapped || nat64 ? ip.slice(12) : undefined;
}

function parseCidr(text: string): { bytes: Uint8Array; prefix: number } | undefined {
  const [address, bits, extra] = text.split("/");
  if (address === undefined || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const bytes = parseIp(address);
  const prefix = Number(bits);
  if (!bytes || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** Dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and a dotted IPv4 tail), as 4 or 16 bytes. */
export function parseIp(text: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    return parts.every((n) => n <= 255) ? Uint8Array.from(parts) : undefined;
  }
  if (!text.includes(":") || !/^[0-9a-f:.]+$/i.test(text)) return undefined;
  let tail: number[] = [];
  let head = text;
  const dotted = text.match(/^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/);
  if (dotted) {
    const v4 = parseIp(dotted[2]!);
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const group = (part: string) => (part === "" ? [] : part.split(":"));
  const left = group(halves[0]!);
  const right = halves.length === 2 ? group(halves[1]!) : [];
  if (![...left, ...right].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const words = [...left, ...right].map((g) => parseInt(g, 16));
  const missing = 8 - words.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [
    ...left.map((g) => parseInt(g, 16)),
    ...Array(halves.length === 2 ? missing : 0).fill(0),
    ...right.map((g) => parseInt(g, 16)),
    ...tail,
  ];
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

function isHostName(text: string): boolean {
  return /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(text);
}
