import { BlockList, isIP } from "node:net";
import { invalidOption } from "../util/options";

/**
 * A peer's address as people write it: an IPv4 client of a dual-stack listener shows up as
 * `::ffff:10.1.2.3`, which is 10.1.2.3; a link-local zone (`fe80::1%eth0`) is dropped.
 */
export function normalizeAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const zone = address.indexOf("%");
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  return mapped ? mapped[1] : bare;
}

/**
 * The senders a listener accepts: IP addresses and CIDR ranges (`10.1.2.3`, `10.1.2.0/24`, `::1`,
 * `fd00::/8`), IPv4-mapped IPv6 forms read as IPv4. Host names are not accepted: resolving them at each
 * connection would stall accepting, and their answers change under the listener's feet.
 */
export class AllowList {
  private readonly list = new BlockList();

  private constructor(readonly entries: readonly string[]) {
    for (const entry of entries) this.add(entry);
  }

  /** A list from an array or from text separated by commas, spaces or new lines; undefined when it is empty (everyone is let in). */
  static parse(entries: string | readonly string[] | undefined): AllowList | undefined {
    const list = (typeof entries === "string" ? entries.split(/[\s,;]+/) : (entries ?? []))
      .map((e) => (typeof e === "string" ? e.trim() : e))
      .filter((e) => e !== "");
    return list.length === 0 ? undefined : new AllowList(list);
  }

  allows(address: string): boolean {
    const bare = normalizeAddress(address);
    const family = bare === undefined ? 0 : isIP(bare);
    if (bare === undefined || family === 0) return false;
    return this.list.check(bare, family === 4 ? "ipv4" : "ipv6");
  }

  private add(entry: unknown): void {
    const bad = () =>
      invalidOption(
        "listener",
        `${JSON.stringify(entry)} is not an IP address or CIDR range (host names are not accepted)`,
      );
    const m = typeof entry === "string" ? /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry) : null;
    if (!m) throw bad();
    const address = normalizeAddress(m[1]) ?? "";
    const family = isIP(address);
    if (family === 0) throw bad();
    const type = family === 4 ? "ipv4" : "ipv6";
    if (m[2] === undefined) {
      this.list.addAddress(address, type);
      return;
    }
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8.
    const prefix = Number(m[2]) - (family === 4 && address !== m[1] ? 96 : 0);
    if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw bad();
    this.list.addSubnet(address, prefix, type);
  }
}
