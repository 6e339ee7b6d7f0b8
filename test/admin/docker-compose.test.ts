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

  test("docs/scaling.md names each setting docker-compose.yml fixes over .env, so an operator knows .env cannot change it", () => {
    // A WORKER_DRAIN_MS or REDIS_URL put in .env is silently overruled in the containers (environment: wins).
    const ownValue = (name: string, value: string) => new RegExp(`^\\$\\{${name}(:?-[^}]*)?\\}$`).test(String(value));
    const fixed = new Set(
      Object.values(compose.services)
        .filter((s) => s.env_file === ".env")
        .flatMap((s) => Object.entries(s.environment ?? {}).filter(([name, value]) => !ownValue(name, value)).map(([name]) => name)),
    );
    expect(fixed.size).toBeGreaterThan(5);
    const docs = readFileSync(join(root, "docs/scaling.md"), "utf8");
    const note = docs.split("\n\n").find((p) => p.replace(/\s+/g, " ").includes("over `.env`")) ?? "";
    expect([...fixed].filter((name) => !note.includes(`\`${name}\``))).toEqual([]);
  });

  test("every variable docker-compose.yml reads from .env is an app setting or named in docs/scaling.md", () => {
    // Compose-only ones (REDIS_PASSWORD, the published port, the key file, the replica count) are set in the
    // same .env; an operator learns of them from the docs or not at all.
    const used = [...new Set([...readFileSync(join(root, "docker-compose.yml"), "utf8").matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))];
    const settings = readFileSync(join(root, "src/config/app-config.ts"), "utf8");
    const docs = readFileSync(join(root, "docs/scaling.md"), "utf8");
    expect(used.length).toBeGreaterThan(3);
    expect(used.filter((v) => !new RegExp(`^ {2}${v}:`, "m").test(settings) && !docs.includes(`\`${v}\``))).toEqual([]);
  });
});
