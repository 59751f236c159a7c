import { bundleHash } from "../hostconfig/hash";
import type { NodeSpec } from "../config";
import { bundleFiles, convergeOf } from "./resources";
import { l } from "./text";
import type { CheckContext, Judgement, Localized } from "./types";

/**
 * Host-level items (monitoring, updates, users, backups) are satisfied by bundle files that
 * converge delivers (D1, D2). This checks both halves for each host: the file is rendered,
 * and a converge resource reaches the host.
 */
export function delivered(ctx: CheckContext, nodes: NodeSpec[], what: Localized, pathPattern: RegExp): Judgement {
  const judgement: Judgement = { evidence: [], problems: [] };
  for (const node of nodes) {
    const files = bundleFiles(ctx, node.name, pathPattern);
    // Converge is keyed by the bundle's content hash (D2): a trigger carrying it proves these files are the ones delivered.
    const hash = bundleHash(ctx.bundles.get(node.name) ?? []);
    const converge = convergeOf(ctx, node.name, node.privateIp);
    const keyed = converge.filter((c) => Array.isArray(c.inputs.triggers) && c.inputs.triggers.includes(hash));
    if (!files.length)
      judgement.problems.push({
        message: l(`${node.name}: no ${what.en} in the host bundle (no file matching ${pathPattern})`, `${node.name}: ${what.de} fehlt im Host-Bundle (keine Datei passt auf ${pathPattern})`),
      });
    if (!converge.length)
      judgement.problems.push({
        message: l(
          `${node.name}: no converge resource (command:remote:Command/CopyToRemote) delivers the bundle`,
          `${node.name}: keine Converge-Ressource (command:remote:Command/CopyToRemote) liefert das Bundle aus`,
        ),
      });
    else if (!keyed.length)
      judgement.problems.push({
        message: l(
          `${node.name}: converge is not keyed by this bundle's hash ${hash.slice(0, 12)}, so it delivers other files`,
          `${node.name}: Converge hängt nicht am Hash ${hash.slice(0, 12)} dieses Bundles und liefert daher andere Dateien aus`,
        ),
      });
    if (files.length && keyed.length) {
      const paths = files.map((f) => f.path).join(", ");
      const via = keyed.map((c) => c.name).join(", ");
      judgement.evidence.push(l(`${node.name}: ${what.en} ${paths} via ${via} (bundle ${hash.slice(0, 12)})`, `${node.name}: ${what.de} ${paths} über ${via} (Bundle ${hash.slice(0, 12)})`));
    }
  }
  return judgement;
}

export function merge(...parts: Judgement[]): Judgement {
  return { evidence: parts.flatMap((p) => p.evidence), problems: parts.flatMap((p) => p.problems) };
}
