import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { parse } from "yaml";

/**
 * docker-compose.yml reads the operator's .env (made from .env.example) into every app container, and Compose
 * gives `environment:` precedence over `env_file:`. .env.example's values are for `npm start` on a laptop
 * (HOST=localhost, DATA_DIR=./data): a container health check of 127.0.0.1, or a port published from it, needs
 * the server on every interface, whatever .env says.
 */
const root = join(import.meta.dirname, "../..");

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
    services: Record<string, { env_file?: string; environment?: Record<string, string>; healthcheck?: { test: string[] } }>;
  };
  const example = parseEnv(readFileSync(join(root, ".env.example"), "utf8"));

  test("every app service listens on all interfaces and keeps data in the image's /data, whatever .env.example sets", () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.env_file === ".env");
    expect(apps.map(([name]) => name).sort()).toEqual(["web", "worker"]);
    expect(example.HOST).toBe("localhost"); // the laptop default this guards against
    for (const [, s] of apps) {
      expect(s.environment).toMatchObject({ HOST: "0.0.0.0", DATA_DIR: "/data" });
      expect(s.healthcheck?.test.join(" ")).toContain("127.0.0.1");
    }
  });
});
