import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { checklistRules } from "../../components/checklist";
import { ROOT } from "../helpers/stacks";

const design = fs.readFileSync(path.join(ROOT, "docs", "design.md"), "utf8");
const tracked = spawnSync("git", ["-C", ROOT, "ls-files"], { encoding: "utf8" }).stdout.split("\n").filter((f) => f && fs.existsSync(path.join(ROOT, f)));

test("the repository stands alone: nothing cites the developer notes, every docs/design.md citation names a section that exists", () => {
  const notes = /\b(DESIGN|FACTS)(\.md)?\b/;
  const self = path.relative(ROOT, __filename);
  for (const f of tracked.filter((x) => x !== self && !x.endsWith(".json") && !x.startsWith("out/"))) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    assert.doesNotMatch(text, notes, `${f} cites DESIGN/FACTS`);
    for (const [, ref] of text.matchAll(/docs\/design\.md,? (§\d+|D\d+)/g)) {
      const heading = ref.startsWith("§") ? new RegExp(`^## ${ref} `, "m") : new RegExp(`^- \\*\\*${ref} `, "m");
      assert.match(design, heading, `${f} cites docs/design.md ${ref}, which does not exist`);
    }
  }
  assert.match(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), /\]\(docs\/design\.md\)/, "the README links the design");
});

test("docs/design.md's checklist table lists every rule, in order", () => {
  const ids = [...design.split("## §2")[0].matchAll(/^\| (HW|SW|SEC|OPS)-\d+ /gm)].map((m) => m[0].slice(2).trim());
  assert.deepEqual(ids, checklistRules.map((r) => r.id));
});
