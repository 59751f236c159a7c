import type { ShopSpec } from "../config";
import type { BundleRenderer } from "./types";
import { readShopFile } from "./shopFiles";
import { SHOP_DIR, SHOP_SHARED } from "./shopware";

/** The host half of a rolling deploy (SW-3): deploy users run it through sudo. */
export const RELEASE_TOOL = "/usr/local/sbin/shop-release";
/** Releases a deploy keeps per node (current and previous among them), so a rollback has somewhere to go. */
export const RELEASES_KEPT = 3;
/** While it exists the LB's health check answers 503, so the LB drains the node (tmpfs: a reboot clears it). */
export const DRAIN_FLAG = "/run/shop/drain";
/** While it exists every dynamic request answers 503 with the maintenance page; it survives a reboot. */
export const MAINTENANCE_FLAG = `${SHOP_SHARED}/maintenance.on`;
/** nginx serves the maintenance page from here. */
export const MAINTENANCE_PAGE_DIR = "/etc/nginx/shop-maintenance";

export const releaseTool: BundleRenderer = (_spec: ShopSpec, node) => {
  if (!node.roles.includes("app")) return [];
  return [
    {
      path: "/etc/shop/release.env",
      mode: "0644",
      owner: "root:root",
      content: [`SHOP_DIR=${SHOP_DIR}`, `SHOP_DRAIN_FLAG=${DRAIN_FLAG}`, `SHOP_MAINTENANCE_FLAG=${MAINTENANCE_FLAG}`, ""].join("\n"),
    },
    { path: RELEASE_TOOL, mode: "0755", owner: "root:root", content: readShopFile("shop-release.sh") },
    { path: `${MAINTENANCE_PAGE_DIR}/index.html`, mode: "0644", owner: "root:root", content: readShopFile("nginx/maintenance.html") },
  ];
};
