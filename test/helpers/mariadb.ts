import * as fs from "fs";
import * as path from "path";
import type { TestContext } from "node:test";
import { freePort, startDaemon, waitFor } from "./processes";
import { run } from "./tools";

export interface TestMariadb {
  /** A client defaults file ([client] socket + user root): pass as --defaults-file. */
  defaultsFile: string;
  socket: string;
  port: number;
  /** Runs SQL through the real client; returns tab-separated rows. Throws on error. */
  query(sql: string, database?: string): string;
}

/**
 * A throwaway stock MariaDB (no rendered config: the backup tests need a writable server with
 * a binlog): mariadb-install-db into dir/data, mariadbd on 127.0.0.1 with a random port and its
 * own socket, stopped after the test. Root logs in over the socket, as on a Debian host.
 */
export async function startMariadb(t: TestContext, dir: string): Promise<TestMariadb> {
  const datadir = path.join(dir, "data");
  const socket = path.join(dir, "mysqld.sock");
  const port = await freePort();
  const install = run("mariadb-install-db", ["--no-defaults", `--datadir=${datadir}`, "--user=root", "--skip-test-db", "--auth-root-authentication-method=socket"]);
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  startDaemon(
    t,
    "mariadbd",
    [
      "--no-defaults",
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--user=root",
      `--pid-file=${path.join(dir, "mariadbd.pid")}`,
      "--innodb-buffer-pool-size=64M",
      `--log-bin=${path.join(dir, "binlog")}`,
      "--server-id=1",
    ],
    path.join(dir, "mariadbd.log"),
  );
  const defaultsFile = path.join(dir, "client.cnf");
  fs.writeFileSync(defaultsFile, `[client]\nsocket=${socket}\nuser=root\n`);
  const query = (sql: string, database?: string): string => {
    const r = run("mariadb", [`--defaults-file=${defaultsFile}`, "-N", "-B", ...(database ? [database] : []), "-e", sql]);
    if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`);
    return r.stdout;
  };
  await waitFor("MariaDB", () => run("mariadb-admin", [`--defaults-file=${defaultsFile}`, "ping"]).status === 0, 60_000);
  return { defaultsFile, socket, port, query };
}
