import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { killAll, root, spawnMain, type Child } from "../intake/spawn-server.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";

const url = await redisUrlIfAvailable();

/**
 * The CLI sets its exit code and lets the process end by itself. With REDIS_URL, Probot's request
 * throttling opened two Redis connections that nothing closed: `check-app` and `deliveries redeliver`
 * printed their answer and then never ended. The process ending on its own is the signal.
 */
if (!url) skipWithoutRedis("CLI commands that use Probot end by themselves");
else
  describe("CLI commands that use Probot end by themselves with REDIS_URL", () => {
    let github: Server;
    let host: string;
    const children: Child[] = [];
    beforeAll(async () => {
      // GitHub (GHE_HOST) refusing the app's key: each command says so and exits 1.
      github = createServer((req, res) => {
        req.resume();
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "A JSON web token could not be decoded" }));
      });
      await new Promise<void>((r) => github.listen(0, "127.0.0.1", () => r()));
      host = `127.0.0.1:${(github.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      killAll(children);
      await new Promise((r) => github.close(r));
    });

    test.each([["check-app"], ["deliveries redeliver"]])("%s", async (command) => {
      const env = {
        APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", REDIS_URL: url, REDIS_PREFIX: uniquePrefix("cli").replace(/:/g, "-").slice(0, -1),
        GHE_HOST: host, GHE_PROTOCOL: "http", DATA_DIR: "/nonexistent",
      };
      const child = spawnMain(env, /./, 60_000, ["bin/t0-ci-bot.js", ...command.split(" ")]);
      children.push(child);
      // Bounded, generously: tsx compiles the CLI first. A process held open never gets here.
      const code = await Promise.race([child.exited, new Promise<string>((r) => setTimeout(() => r("still running"), 45_000).unref())]);
      expect({ code, output: child.output() }).toEqual({ code: 1, output: expect.stringMatching(/GitHub|key|refus/i) });
    }, 60_000);
  });
