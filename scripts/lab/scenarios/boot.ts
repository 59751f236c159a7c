import { check, inHostOk, LabContext, Scenario } from "./context";
import { inHost } from "../hosts";

/** 1. Boot: cloud-init done and systemd running on every host, with the boot time per host. */
export const bootScenario: Scenario = {
  id: 1,
  title: "Boot",
  timeoutMs: 120_000,
  async run(ctx: LabContext) {
    const figures: string[] = [];
    for (const boot of ctx.state.boots) {
      const cloudInit = /status:\s*(\S+)/.exec(inHostOk(ctx, boot.host, ["cloud-init", "status"]).stdout)?.[1];
      // After converge: the state every later scenario relies on.
      const system = inHost(ctx.names, boot.host, ["systemctl", "is-system-running", "--wait"], { allowFail: true, timeoutMs: 60_000 }).stdout.trim();
      const failed = inHost(ctx.names, boot.host, ["systemctl", "list-units", "--failed", "--plain", "--no-legend"], { allowFail: true }).stdout.trim();
      check(cloudInit === "done", `${boot.host}: cloud-init status is ${cloudInit ?? "unknown"}, not done`);
      check(system === "running", `${boot.host}: systemctl is-system-running says ${system}; failed units:\n${failed}`);
      const first = boot.system === "running" ? "" : ` (first boot: ${boot.system}, failed before converge: ${boot.failedUnits.join(", ")})`;
      figures.push(`${boot.host} ${boot.seconds.toFixed(1)} s${first}`);
    }
    return `cloud-init done and system running on ${ctx.state.boots.length} hosts; boot to ready: ${figures.join("; ")}`;
  },
};
