import { PolicyPack } from "@pulumi/policy";
import { shopPolicies } from "./policies";

// `pulumi preview --policy-pack policy`: the checklist of docs/design.md §1, the same rules as `npm run audit`.
new PolicyPack("shop-checklist", { policies: shopPolicies() });
