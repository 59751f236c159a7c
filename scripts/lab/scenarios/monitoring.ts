import { redisHost } from "../../../components/hostconfig/redis";
import { DATA_DISK_MOUNT } from "../hosts";
import { sinkRecords } from "../standins/sink";
import { dataDiskHost } from "../up";
import { waitForAlert } from "./alerts";
import { inHostOk, LabContext, Scenario } from "./context";

const FILL_FILE = `${DATA_DISK_MOUNT}/lab-fill`;

/**
 * 9. HW-3, HW-4, HW-5: a disk pushed over its threshold (fallocate on the lab's data disk) and
 * a stopped service reach the webhook sink as firing alerts, and as resolved alerts after the
 * revert; the latency from the change to the alert's arrival.
 */
export const monitoringScenario: Scenario = {
  id: 9,
  title: "Monitoring (HW-3, HW-4, HW-5)",
  timeoutMs: 420_000,
  async run(ctx: LabContext) {
    const diskHost = dataDiskHost(ctx.topo).name;
    const serviceHost = redisHost(ctx.spec).name;
    const unit = "redis-server@cache.service";
    const t = ctx.spec.monitoring.thresholds;
    const [size, used] = inHostOk(ctx, diskHost, ["df", "--output=size,used", "-B1", DATA_DISK_MOUNT]).stdout.trim().split("\n")[1].trim().split(/\s+/).map(Number);
    const fill = Math.ceil(size * ((t.diskWarnPercent + t.diskCritPercent) / 2 / 100) - used);
    const diskMatch = (state: string) => (text: string) => text.includes(`[${state}`) && text.includes(diskHost) && text.includes(DATA_DISK_MOUNT);
    const unitMatch = (state: string) => (text: string) => text.includes(`[${state}`) && text.includes(serviceHost) && text.includes(unit.replace(/\.service$/, ""));

    let from = sinkRecords(ctx.names).length;
    const broke = Date.now();
    inHostOk(ctx, diskHost, ["fallocate", "-l", String(fill), FILL_FILE]);
    inHostOk(ctx, serviceHost, ["systemctl", "stop", unit]);
    let diskFiring = 0;
    let unitFiring = 0;
    try {
      [diskFiring, unitFiring] = await Promise.all([
        waitForAlert(ctx, from, `disk firing (${diskHost} ${DATA_DISK_MOUNT})`, (x) => diskMatch("WARNING")(x) || diskMatch("CRITICAL")(x)),
        waitForAlert(ctx, from, `service firing (${serviceHost} ${unit})`, (x) => unitMatch("WARNING")(x) || unitMatch("CRITICAL")(x)),
      ]);
    } finally {
      inHostOk(ctx, diskHost, ["rm", "-f", FILL_FILE]);
      inHostOk(ctx, serviceHost, ["systemctl", "start", unit]);
    }
    from = sinkRecords(ctx.names).length;
    const fixed = Date.now();
    const [diskResolved, unitResolved] = await Promise.all([
      waitForAlert(ctx, from, "disk resolved", diskMatch("RESOLVED")),
      waitForAlert(ctx, from, "service resolved", unitMatch("RESOLVED")),
    ]);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return (
      `disk ${DATA_DISK_MOUNT} on ${diskHost} filled past ${t.diskWarnPercent}%: firing after ${s(diskFiring - broke)}, resolved ${s(diskResolved - fixed)} after the revert; ` +
      `${unit} on ${serviceHost} stopped: firing after ${s(unitFiring - broke)}, resolved ${s(unitResolved - fixed)} after the restart (latency = wait for the next minutely shop-health run + delivery)`
    );
  },
};
