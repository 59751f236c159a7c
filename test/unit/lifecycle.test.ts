import assert from "node:assert/strict";
import * as path from "path";
import { before, test } from "node:test";
import { evaluateChecklist } from "../../components/checklist";
import {
  buildSpec,
  debianReleases,
  images,
  lifecycleOf,
  lifecycleWarnings,
  mariadbSeries,
  newestShopware,
  phpBranches,
  readStackFile,
  redisSeries,
  shopwareLines,
  warnFrom,
} from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { contextOf, copy, demoPlan, demoSpec, row } from "../helpers/checklist";
import { STACKS_DIR } from "../helpers/stacks";

/** "Today" is always injected: these dates are the table's edges, no clock is read. */
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

test("every lifecycle date is an ISO day with an http(s) source and an upgrade target", () => {
  const entries = [
    ...Object.values(shopwareLines),
    ...Object.values(phpBranches),
    ...Object.values(debianReleases).flatMap((d) => [d.regular, d.lts]),
    ...Object.values(mariadbSeries),
    ...Object.values(redisSeries),
  ];
  assert.ok(entries.length >= 11);
  for (const e of entries) {
    assert.match(e.end, /^\d{4}-\d{2}-\d{2}$/, e.what.en);
    assert.equal(new Date(`${e.end}T00:00:00Z`).toISOString().slice(0, 10), e.end, e.what.en);
    assert.match(e.source, /^https:\/\/\S+$/, e.what.en);
    if (e.rechecked) assert.match(e.rechecked, /^https:\/\/\S+$/, e.what.en);
    assert.ok(e.upgradeTo.en && e.upgradeTo.de && e.what.de, e.what.en);
  }
});

test("the warning window opens six calendar months before an end (clamped to the month's last day)", () => {
  assert.equal(warnFrom("2026-12-31"), "2026-06-30");
  assert.equal(warnFrom("2028-02-28"), "2027-08-28");
  assert.equal(warnFrom("2026-07-11"), "2026-01-11");
  assert.equal(warnFrom("2028-08-31"), "2028-02-29");
});

test("PHP 8.2 on debian-12: supported, then ending from 2026-06-30, then ended (fails) after 2026-12-31", () => {
  const php = (iso: string) => lifecycleOf(["debian-12"], "6.6.10.4", day(iso)).find((s) => s.entry === phpBranches["8.2"])!;
  assert.equal(php("2026-06-29").state, "supported");
  assert.equal(php("2026-06-30").state, "ending");
  assert.equal(php("2026-12-31").state, "ending");
  assert.equal(php("2026-12-31").daysLeft, 0);
  assert.equal(php("2027-01-01").state, "ended");
  assert.equal(php("2027-01-01").daysLeft, -1);
});

test("the newest 6.7 patch of the table is the default for new stacks", () => {
  assert.equal(newestShopware(), shopwareLines["6.7"].newestPatch);
  assert.equal(newestShopware(), "6.7.13.0");
});

test("plan warnings: one line per item inside the window, none before it", () => {
  assert.deepEqual(lifecycleWarnings(["debian-12"], "6.6.10.4", day("2025-12-01")), []);
  const nov = lifecycleWarnings(["debian-12"], "6.6.10.4", day("2026-11-22"));
  assert.deepEqual(nov, [
    'SW-1: Debian 12 (bookworm) regular security support ended on 2026-07-11 (134 day(s) ago); upgrade to shop:image debian-13 (README "Upgrade path")',
    'SW-1: PHP 8.2 upstream security support ends on 2026-12-31 (in 39 day(s)); upgrade to PHP 8.4 with shop:image debian-13 (README "Upgrade path")',
  ]);
  const later = lifecycleWarnings(["debian-12"], "6.6.10.4", day("2027-09-01"));
  assert.ok(later.some((w) => w.startsWith("SW-1: PHP 8.2") && w.endsWith("SW-1 fails")), later.join("\n"));
  assert.ok(later.some((w) => w.startsWith("SW-2: Shopware 6.6") && w.includes("ends on 2028-02-28")), later.join("\n"));
  assert.ok(later.some((w) => w.startsWith("SW-1: MariaDB 10.11")), later.join("\n"));
  // debian-13 with 6.7 has nothing to warn about in late 2026.
  assert.deepEqual(lifecycleWarnings(["debian-13"], "6.7.13.0", day("2026-12-02")), []);
});

test("buildSpec returns the lifecycle warnings for the day it is given", () => {
  // The debian-12 / 6.6 example: PHP 8.2's end is inside the window on that day.
  const raw = readStackFile(path.join(STACKS_DIR, "Pulumi.alpenhaus.yaml"), "alpenhaus").raw;
  const at = (iso: string) => buildSpec(raw, { stack: "alpenhaus", today: day(iso) }).warnings.filter((w) => /^SW-[12]: /.test(w));
  const { spec } = buildSpec(raw, { stack: "alpenhaus", today: day("2026-11-22") });
  const expected = lifecycleWarnings([spec.image], spec.shopware.version, day("2026-11-22"));
  assert.ok(expected.length > 0);
  assert.deepEqual(at("2026-11-22"), expected);
  assert.deepEqual(at("2024-01-01"), []);
});

let plan: Plan;
before(() => {
  plan = demoPlan();
});

/** The demo plan judged on a given day, on a given image and Shopware version. */
function judgedOn(iso: string, image: string, version: string) {
  const spec = demoSpec();
  const moved = { ...spec, image, os: images[image], nodes: spec.nodes.map((n) => ({ ...n, image, os: images[image] })), shopware: { ...spec.shopware, version } };
  return evaluateChecklist({ ...contextOf(copy(plan.resources), moved), bundles: contextOf(copy(plan.resources), spec).bundles, today: day(iso) });
}

test("SW-1 shows each date and target, passes while PHP 8.2 is ending and fails the day after its end", () => {
  const ending = row(judgedOn("2026-12-31", "debian-12", "6.6.10.4"), "SW-1");
  assert.equal(ending.status, "pass", ending.problems.map((p) => p.en).join("; "));
  const php = ending.evidence.find((e) => e.en.includes("PHP 8.2"))!;
  assert.match(php.en, /^ENDING SOON: PHP 8\.2 upstream security support until 2026-12-31 \(in 0 day\(s\)\); upgrade to PHP 8\.4/);
  assert.ok(ending.evidence.some((e) => /^ENDED: Debian 12 \(bookworm\) regular security support until 2026-07-11/.test(e.en)));
  assert.ok(ending.evidence.some((e) => /^supported: Debian 12 \(bookworm\) LTS until 2028-06-30/.test(e.en)));
  assert.ok(ending.evidence.every((e) => e.de.length > 0));

  const ended = row(judgedOn("2027-01-01", "debian-12", "6.6.10.4"), "SW-1");
  assert.equal(ended.status, "fail");
  assert.deepEqual(
    ended.problems.map((p) => p.en),
    ["PHP 8.2 upstream security support ended on 2026-12-31: upgrade to PHP 8.4 with shop:image debian-13"],
  );
  assert.match(ended.fix.en, /README "Upgrade path"/);
});

test("SW-2 fails once the Shopware line's security support has ended, names the newer patch, and debian-13/6.7 passes", () => {
  const before = row(judgedOn("2028-02-28", "debian-12", "6.6.10.4"), "SW-2");
  assert.equal(before.status, "pass", before.problems.map((p) => p.en).join("; "));
  assert.ok(before.evidence.some((e) => e.en === "newest patch of the line in the lifecycle table: 6.6.10.22"));
  const after = row(judgedOn("2028-02-29", "debian-12", "6.6.10.4"), "SW-2");
  assert.equal(after.status, "fail");
  assert.match(after.problems[0].en, /^Shopware 6\.6 \(6\.6\.10\.x\) security support ended on 2028-02-28: upgrade to Shopware 6\.7/);
  const current = judgedOn("2026-12-02", "debian-13", "6.7.13.0");
  for (const id of ["SW-1", "SW-2"]) assert.equal(row(current, id).status, "pass", id);
  assert.ok(!row(current, "SW-2").evidence.some((e) => e.en.startsWith("newest patch")));
});
