import { randomUUID } from "crypto";
import { sleep } from "../proc";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { dbReplicas } from "../../../components/config";
import { check, inHostOk, LabContext, Scenario, shopRequest } from "./context";

const SAMPLES = 5;

/** 5. Replication: a row written through the app appears on the replica; the lag per row. */
export const replicationScenario: Scenario = {
  id: 5,
  title: "Replication",
  timeoutMs: 90_000,
  async run(ctx: LabContext) {
    const replica = dbReplicas(ctx.spec)[0];
    check(!!replica, "the stack has no db-replica node");
    const lags: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const token = randomUUID();
      const write = await shopRequest(ctx, `/lab/write?token=${token}`, { method: "POST" });
      check(write.status === 200, `write through the app: HTTP ${write.status}: ${write.body.trim()}`);
      const written = Date.now();
      let seen = false;
      while (!seen && Date.now() - written < 10_000) {
        const r = inHostOk(ctx, replica.name, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_standin WHERE token='${token}'`]);
        seen = r.stdout.trim() === "1";
        if (!seen) await sleep(10);
      }
      check(seen, `row ${token} did not reach ${replica.name} within 10 s`);
      lags.push(Date.now() - written);
    }
    const status = inHostOk(ctx, replica.name, ["mariadb", "-e", "SHOW REPLICA STATUS\\G"]).stdout;
    const io = /Slave_IO_Running:\s*(\S+)/.exec(status)?.[1];
    const sql = /Slave_SQL_Running:\s*(\S+)/.exec(status)?.[1];
    const behind = /Seconds_Behind_Master:\s*(\S+)/.exec(status)?.[1];
    check(io === "Yes" && sql === "Yes", `replication threads on ${replica.name}: IO ${io}, SQL ${sql}`);
    lags.sort((a, b) => a - b);
    return `${SAMPLES} rows written through the app seen on ${replica.name} (polled directly); lag median ${lags[Math.floor(SAMPLES / 2)]} ms, max ${lags[SAMPLES - 1]} ms (incl. ~10 ms polling); IO/SQL threads running, Seconds_Behind_Master ${behind}`;
  },
};
