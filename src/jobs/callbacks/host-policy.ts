// Which callback URLs may be called. With WEBHOOK_ALLOWED_HOSTS empty, any host whose addresses are all
// public; with it set, only the listed hosts (`hooks.example.gov`, `*.example.gov`, `10.0.0.5`), which
// may then be private. Addresses are checked after DNS resolution and the connection is pinned to the
// checked address, so a name cannot be re-pointed at an internal address in between.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, private, link-local, CGNAT, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse
}

export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function isListed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}

/** Checks that need no DNS (at submission): a reason the URL can never be called, or null. */
export function staticCallbackProblem(raw: string, allowed: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not contain credentials';
  const host = hostOf(url);
  if (allowed.length > 0) {
    return isListed(host, allowed)
      ? null
      : `host "${host}" is not in the allowed callback hosts (WEBHOOK_ALLOWED_HOSTS)`;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host))) {
    return `host "${host}" is a loopback or private address; list it in WEBHOOK_ALLOWED_HOSTS to allow it`;
  }
  return null;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The address to connect to, or why the URL is refused (after DNS resolution). */
export async function resolveCallbackTarget(
  url: URL,
  allowed: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: number } | { refused: string }> {
  const problem = staticCallbackProblem(url.toString(), allowed);
  if (problem) return { refused: problem };
  const host = hostOf(url);
  const listed = allowed.length > 0 && isListed(host, allowed);
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolve(host);
  if (addresses.length === 0) return { refused: `host "${host}" does not resolve` };
  if (!listed) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return { refused: `host "${host}" resolves to a non-public address (${bad.address})` };
  }
  return addresses[0];
}
