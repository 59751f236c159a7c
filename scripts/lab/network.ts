import type { LabNames } from "./paths";
import { run } from "./proc";
import type { LabTopology } from "./topology";

/** Every host-side address on the public bridge (the Storage Box is a container of its own). */
function publicAddresses(topo: LabTopology): string[] {
  const p = topo.publicSide;
  return [...new Set([p.gateway, topo.loadBalancer.publicIp, p.webhookSink, p.oldHost, p.outside, p.admin, p.deployer, p.client])].map((ip) => `${ip}/32`);
}

/**
 * The public side's containers, reached by one host route each. No /24 route: TEST-NET
 * addresses may be in real use on this machine (its package mirror answered on one), and a
 * prefix route on the bridge would divert that traffic into the lab.
 */
function publicContainerRoutes(topo: LabTopology): string[] {
  return [...topo.hosts.map((h) => h.publicIp), topo.publicSide.storageBox];
}

/** The lab's own nftables table: keeps the bridges isolated even where this machine forwards IP. */
export function nftTable(names: LabNames): string {
  return names.cgroupName.replace(/-/g, "_");
}

/**
 * Two isolated bridges: the stack's private subnet (the host side holds only the LB's private
 * IP, HAProxy's source address) and a public side on TEST-NET. No NAT and no forwarding rule:
 * nothing on them reaches beyond this machine.
 */
export function createNetwork(names: LabNames, topo: LabTopology): void {
  const bridges: [string, string[]][] = [
    [names.privateBridge, [`${topo.loadBalancer.privateIp}/${topo.privatePrefix}`]],
    [names.publicBridge, publicAddresses(topo)],
  ];
  for (const [bridge, addresses] of bridges) {
    run("ip", ["link", "add", bridge, "type", "bridge"]);
    for (const address of addresses) run("ip", ["addr", "add", address, "dev", bridge]);
    run("ip", ["link", "set", bridge, "up"]);
  }
  for (const ip of publicContainerRoutes(topo)) run("ip", ["route", "add", `${ip}/32`, "dev", names.publicBridge, "src", topo.publicSide.gateway]);
  // Nothing is routed into, out of or between the lab's bridges, whatever net.ipv4.ip_forward
  // says (no NAT either). Traffic within one bridge passes: with br_netfilter loaded it reaches
  // this hook too, with the same bridge as input and output.
  const rules = [names.privateBridge, names.publicBridge].flatMap((br) => [`    iifname "${br}" oifname != "${br}" drop`, `    oifname "${br}" iifname != "${br}" drop`]);
  run("nft", ["-f", "-"], {
    input: [`table inet ${nftTable(names)} {`, "  chain forward {", "    type filter hook forward priority filter - 10; policy accept;", ...rules, "  }", "}", ""].join("\n"),
  });
}

/** The lab's nftables table, if it exists. */
export function labNftTables(names: LabNames): string[] {
  const tables = run("nft", ["list", "tables"], { allowFail: true }).stdout;
  return tables.split("\n").filter((l) => l.trim() === `table inet ${nftTable(names)}`);
}

/** Lab interfaces still present: the bridges and any veth with the stack's prefix. */
export function labLinks(names: LabNames): string[] {
  const prefix = names.privateBridge.slice(0, 7);
  const out = run("ip", ["-o", "link", "show"], { allowFail: true }).stdout;
  return out
    .split("\n")
    .map((line) => line.split(": ")[1]?.split("@")[0])
    .filter((name): name is string => !!name && name.startsWith(prefix));
}

export function deleteNetwork(names: LabNames): void {
  if (labNftTables(names).length) run("nft", ["delete", "table", "inet", nftTable(names)]);
  // Veths first (they vanish with their container, but not always when it was killed), then the bridges.
  const bridges = [names.privateBridge, names.publicBridge];
  const links = labLinks(names);
  for (const link of [...links.filter((l) => !bridges.includes(l)), ...links.filter((l) => bridges.includes(l))]) run("ip", ["link", "delete", link], { allowFail: true });
}
