import { describe, expect, it } from "vitest";
import { checkBaseUrl, parseAllowedHosts, parseIp } from "../../src/adapters/base-url";

const policy = (list = "") => {
  const parsed = parseAllowedHosts(list);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};
const verdict = (url: string, list = "") => {
  const checked = checkBaseUrl(url, policy(list));
  return checked.ok ? "allowed" : checked.error;
};

describe("adapter base URLs", () => {
  it("allows public hosts over https without any listing", () => {
    expect(verdict("https://vllm.example.com/v1")).toBe("allowed");
    expect(verdict("https://203.0.113.9:8443/v1")).toBe("allowed");
  });

  it("refuses plain http unless the host is listed", () => {
    expect(verdict("http://vllm.example.com/v1")).toBe(
      "plain http would send the backend's key in clear: use https, or list vllm.example.com in ADAPTER_ALLOWED_HOSTS",
    );
    expect(verdict("http://vllm.example.com/v1", "vllm.example.com")).toBe("allowed");
    expect(verdict("http://a.gpu.example.com/v1", "*.gpu.example.com")).toBe("allowed");
    expect(verdict("http://gpu.example.com/v1", "*.gpu.example.com")).not.toBe("allowed");
  });

  it("needs a listing for loopback, private addresses and internal names, even over https", () => {
    expect(verdict("https://127.0.0.1:8000/v1")).toBe(
      "127.0.0.1 is a loopback address: list it in ADAPTER_ALLOWED_HOSTS to allow it",
    );
    expect(verdict("https://localhost:8000/v1")).toMatch(/^localhost is a loopback name/);
    expect(verdict("https://[::1]:8000/v1")).toMatch(/^::1 is a loopback address/);
    expect(verdict("https://10.1.2.3/v1")).toMatch(/^10\.1\.2\.3 is a private address/);
    expect(verdict("https://vllm.internal/v1")).toMatch(/^vllm\.internal is an internal host name/);
    expect(verdict("https://vllm/v1")).toMatch(/^vllm is an internal host name/);
    expect(verdict("https://[fd12::5]/v1")).toMatch(/is a unique-local address/);
    expect(verdict("http://127.0.0.1:8000/v1", "127.0.0.1")).toBe("allowed");
    expect(verdict("http://10.1.2.3/v1", "10.0.0.0/8")).toBe("allowed");
    expect(verdict("http://[fd12::5]/v1", "fd00::/8")).toBe("allowed");
    expect(verdict("http://vllm.internal:8000/v1", "vllm.internal")).toBe("allowed");
  });

  it("never allows link-local or metadata addresses, however they are spelt, and whatever is listed", () => {
    const everything = "0.0.0.0/0, ::/0, metadata.google.internal, *.internal";
    for (const url of [
      "http://169.254.169.254/latest/meta-data",
      "https://169.254.10.1/v1",
      "http://[fe80::1]/v1",
      "http://[fd00:ec2::254]/v1",
      "http://100.100.100.200/v1",
      "http://metadata.google.internal/computeMetadata/v1",
      "http://metadata.google.internal./computeMetadata/v1",
      "http://METADATA.google.internal/v1",
      "http://metadata/v1",
      "http://instance-data/latest",
      "http://[::ffff:169.254.169.254]/v1",
      "http://[::ffff:a9fe:a9fe]/v1",
      "http://[64:ff9b::a9fe:a9fe]/v1",
      "http://0xa9.0xfe.0xa9.0xfe/v1",
      "http://2852039166/v1",
      "http://0.0.0.0:8000/v1",
    ])
      expect(verdict(url, everything), url).toMatch(/is never allowed$/);
  });

  it("reads the mapped IPv4 inside an IPv6 address for listings too", () => {
    expect(verdict("http://[::ffff:10.0.0.7]/v1", "10.0.0.0/8")).toBe("allowed");
    expect(verdict("https://[::ffff:127.0.0.1]/v1")).toMatch(/loopback/);
  });

  it("refuses a malformed ADAPTER_ALLOWED_HOSTS entry, naming it", () => {
    expect(parseAllowedHosts("vllm.internal, 10.0.0.0/33")).toEqual({
      ok: false,
      error: '"10.0.0.0/33" is not a host name, *.suffix, IP address or CIDR',
    });
    expect(parseAllowedHosts("a_b")).toMatchObject({ ok: false });
    expect(parseAllowedHosts(" a.test ,b.test  10.0.0.1 ")).toMatchObject({
      ok: true,
      value: { entries: [{}, {}, {}] },
    });
  });

  it("parses IPv6 with compression and a dotted tail", () => {
    expect(Array.from(parseIp("::ffff:1.2.3.4")!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(Array.from(parseIp("2001:db8::1")!).slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(parseIp("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIp("256.1.1.1")).toBeUndefined();
  });
});
