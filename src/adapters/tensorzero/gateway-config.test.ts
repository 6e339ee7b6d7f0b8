import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { Ajv } from "ajv";
import { parse } from "smol-toml";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { loadGatewayConfig, SHIPPED_GATEWAY_CONFIG } from "./gateway-config.js";
import { buildFixInferenceRequest } from "./inference-request.js";
import { FIX_FUNCTION, METRIC_LEVELS, METRICS } from "./metric-names.js";
import { checkProposal } from "./proposal.js";
import { DEFAULT_FAKE_OUTPUT } from "../../../test/fakes/fake-tensorzero.js";
import { loadAppConfig } from "../../config/app-config.js";

/** The shipped tensorzero.toml against what the code uses: the gateway must know every name the app sends. */
describe("shipped tensorzero config", () => {
  const ajv = () => new Ajv({ allErrors: true, strict: true, strictRequired: false });

  test("declares the function, ≥ 2 variants on different providers, fallbacks, and every metric the app sends with its level", async () => {
    const cfg = await loadGatewayConfig();
    const fn = cfg.functions[FIX_FUNCTION]!;
    expect(fn.type).toBe("json");
    const raw = parse(await readFile(SHIPPED_GATEWAY_CONFIG, "utf8")) as { models: Record<string, { routing: string[]; providers: Record<string, { type: string }> }> };
    const providerTypes = new Set(
      fn.candidates.map((c) => fn.variants[c.name]!.model!).map((m) => Object.values(raw.models[m]!.providers).map((p) => p.type).join()),
    );
    expect(providerTypes).toEqual(new Set(["openai", "anthropic"]));
    expect(fn.fallbacks.length).toBeGreaterThan(0);
    for (const v of Object.values(fn.variants)) {
      expect(raw.models[v.model!]).toBeDefined();
      expect(v.raw.retries).toMatchObject({ num_retries: expect.any(Number) });
      expect(v.raw.timeouts).toBeDefined();
      expect(v.raw.max_tokens).toBeGreaterThan(0); // Anthropic refuses requests without it
      expect(Object.keys(v.templates).sort()).toEqual(["system", "user"]);
    }
    for (const name of Object.values(METRICS)) {
      expect(cfg.metrics[name]).toMatchObject({ type: "boolean", optimize: "max", level: METRIC_LEVELS[name] });
    }
    expect(Object.keys(cfg.metrics).sort()).toEqual(Object.values(METRICS).sort());
  });

  test("the app's default client timeout outlasts the gateway's worst case (all candidates, then the fallbacks, time out)", async () => {
    const fn = (await loadGatewayConfig()).functions[FIX_FUNCTION]!;
    const worst = [...fn.candidates.map((c) => c.name), ...fn.fallbacks]
      .map((n) => (fn.variants[n]!.raw.timeouts as { non_streaming: { total_ms: number } }).non_streaming.total_ms)
      .reduce((a, b) => a + b, 0);
    expect(loadAppConfig({}).TENSORZERO_TIMEOUT_MS).toBeGreaterThan(worst);
    const raw = parse(await readFile(SHIPPED_GATEWAY_CONFIG, "utf8")) as { gateway: { global_outbound_http_timeout_ms: number } };
    for (const v of Object.values(fn.variants)) {
      expect((v.raw.timeouts as { non_streaming: { total_ms: number } }).non_streaming.total_ms).toBeLessThanOrEqual(raw.gateway.global_outbound_http_timeout_ms);
    }
  });

  test("the gateway refuses to start without a database (observability.enabled = true), as feedback cannot be stored without one", async () => {
    // Unset, a gateway started without TENSORZERO_POSTGRES_URL answers every inference and stores none of
    // them: each feedback item then ends "does not exist" and is given up, and the learning loop is lost
    // without anyone seeing the gateway is misdeployed (reference §2, §5).
    const raw = parse(await readFile(SHIPPED_GATEWAY_CONFIG, "utf8")) as { gateway: { observability?: { enabled?: unknown } } };
    expect(raw.gateway.observability?.enabled).toBe(true);
  });

  test("schemas are valid JSON Schema; the output schema follows OpenAI strict-mode rules", async () => {
    const fn = (await loadGatewayConfig()).functions[FIX_FUNCTION]!;
    for (const s of [...Object.values(fn.schemas), fn.outputSchema!]) expect(() => ajv().compile(s)).not.toThrow();
    const strictCheck = (s: Record<string, unknown>, at: string): void => {
      if (s.type === "object" || (Array.isArray(s.type) && s.type.includes("object"))) {
        expect([at, s.additionalProperties]).toEqual([at, false]);
        expect([at, [...(s.required as string[])].sort()]).toEqual([at, Object.keys(s.properties as object).sort()]);
      }
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) strictCheck(v, `${at}.${k}`);
      if (s.items) strictCheck(s.items as Record<string, unknown>, `${at}[]`);
    };
    strictCheck(fn.outputSchema as Record<string, unknown>, "output");
  });

  test("a strict-JSON variant on Anthropic gets an output schema Anthropic accepts (no numeric, length or size bounds)", async () => {
    // json_mode = "strict" on the anthropic provider sends the output schema as is as Anthropic's structured
    // output format (providers/anthropic.rs at the pinned gateway), and Anthropic answers 400 to these
    // keywords ("output_config.format.schema: For 'number' type, property 'minimum' is not supported"): the
    // variant would fail every call, its share of traffic going to the others and its fallback never answering.
    const REFUSED = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "maxItems", "uniqueItems", "minProperties", "maxProperties"];
    const refusedIn = (schema: unknown, at: string): string[] => {
      if (!schema || typeof schema !== "object") return [];
      const s = schema as Record<string, unknown>;
      const here = Object.keys(s).filter((k) => REFUSED.includes(k) || (k === "minItems" && Number(s[k]) > 1)).map((k) => `${at}.${k}`);
      const props = Object.entries((s.properties ?? {}) as Record<string, unknown>).flatMap(([k, v]) => refusedIn(v, `${at}.${k}`));
      const defs = Object.entries({ ...(s.definitions as object), ...(s.$defs as object) }).flatMap(([k, v]) => refusedIn(v, `${at}#${k}`));
      const subs = ["anyOf", "allOf", "oneOf"].flatMap((k) => ((s[k] as unknown[] | undefined) ?? []).flatMap((v, i) => refusedIn(v, `${at}.${k}[${i}]`)));
      return [...here, ...props, ...defs, ...subs, ...refusedIn(s.items, `${at}[]`)];
    };
    const cfg = await loadGatewayConfig();
    const models = (cfg.raw.models ?? {}) as Record<string, { providers: Record<string, { type: string }> }>;
    const onAnthropic = (model: string) => model.startsWith("anthropic::") || Object.values(models[model]?.providers ?? {}).some((p) => p.type === "anthropic");
    const checked: string[] = [];
    const problems: string[] = [];
    for (const fn of Object.values(cfg.functions).filter((f) => f.type === "json")) {
      // An unset json_mode on a JSON function is strict (reference §5).
      for (const v of Object.values(fn.variants).filter((x) => (x.jsonMode ?? "strict") === "strict" && onAnthropic(x.model ?? ""))) {
        checked.push(v.name);
        problems.push(...refusedIn(fn.outputSchema, `${fn.name}/${v.name}: output`));
      }
    }
    expect(checked.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test("a realistic FailureContext, as the client sends it, validates against the system and user schemas", async () => {
    const fn = (await loadGatewayConfig()).functions[FIX_FUNCTION]!;
    const body = buildFixInferenceRequest(sampleFailureContext(), { episodeId: "x", tags: {} });
    const validateSystem = ajv().compile(fn.schemas.system!);
    const validateUser = ajv().compile(fn.schemas.user!);
    expect(validateSystem(body.input.system)).toBe(true);
    const args = (body.input.messages![0]!.content as Array<{ arguments: unknown }>)[0]!.arguments;
    expect([validateUser(args), validateUser.errors]).toEqual([true, null]);
    // A minimal one (optional fields left out) too, and an unknown field is refused like the gateway would.
    const { annotations, head_commit_diff, test_config, previous_attempt, ...minimal } = sampleFailureContext();
    void annotations, void head_commit_diff, void test_config, void previous_attempt;
    expect(validateUser(minimal)).toBe(true);
    expect(validateUser({ ...minimal, surprise: 1 })).toBe(false);
  });

  test("the output schema accepts what the app accepts and rejects what it rejects", async () => {
    const validate = ajv().compile((await loadGatewayConfig()).functions[FIX_FUNCTION]!.outputSchema!);
    const good = { ...DEFAULT_FAKE_OUTPUT };
    expect(validate(good)).toBe(true);
    expect(checkProposal(good).problems).toEqual([]);
    for (const bad of [{ ...good, files: "x" }, { ...good, extra: 1 }, { diagnosis: "d" }]) {
      expect(validate(bad)).toBe(false);
      expect(checkProposal(bad).problems.length).toBeGreaterThan(0);
    }
    expect(validate({ ...good, tests_to_run: null })).toBe(true);
    // The one bound the schema cannot carry (Anthropic refuses numeric bounds): the app's own check has it.
    expect(validate({ ...good, confidence: 2 })).toBe(true);
    expect(checkProposal({ ...good, confidence: 2 }).problems).toEqual(["confidence must be a number from 0 to 1"]);
  });

  test("templates exist and only use top-level names their schema declares", async () => {
    const fn = (await loadGatewayConfig()).functions[FIX_FUNCTION]!;
    for (const v of Object.values(fn.variants)) {
      for (const [name, path] of Object.entries(v.templates)) {
        const text = await readFile(path, "utf8");
        const props = Object.keys((fn.schemas[name] as { properties: object }).properties);
        const loopVars = [...text.matchAll(/\{%-?\s*for\s+(\w+)\s+in/g)].map((m) => m[1]);
        const used = [...text.matchAll(/\{[{%]-?\s*(?:if\s+|for\s+\w+\s+in\s+)?([a-z_]+)/g)].map((m) => m[1]!);
        const unknown = used.filter((u) => !props.includes(u) && !loopVars.includes(u) && !["if", "for", "endif", "endfor", "else", "loop"].includes(u));
        expect([path, unknown]).toEqual([path, []]);
      }
    }
  });

  test("a broken config is reported with what to fix", async () => {
    await expect(loadGatewayConfig("/nonexistent/tensorzero.toml")).rejects.toMatchObject({ code: "tensorzero_config_invalid" });
  });

  test("a key the gateway would refuse (deny_unknown_fields) fails the load, as it fails the gateway's start-up", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-tz-typo-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      const shipped = await readFile(toml, "utf8");
      const edits: Array<[string, string, RegExp]> = [
        ['optimize = "max"\nlevel = "episode"', 'optimise = "max"\nlevel = "episode"', /metrics\.pr_merged\.optimise: is not a key/],
        ["max_tokens = 16000\nretries", "max_token = 16000\nretries", /variants\.gpt_5_mini_prompt_v1\.max_token: is not a key/],
        ["[metrics.pr_merged]", "[metric.pr_merged_typo]\ntype = \"boolean\"\n\n[metrics.pr_merged]", /\(top level\)\.metric: is not a key/],
        ['json_mode = "strict"\nmax_tokens', 'json_mode = "strict_schema"\nmax_tokens', /json_mode: must be one of off, on, strict, tool/],
        // Experimentation: a type the gateway does not know, and an adaptive one without its required metric.
        ['type = "static"\ncandidate_variants', 'type = "statik"\ncandidate_variants', /experimentation\.type: must be one of static, adaptive/],
        ['type = "static"\ncandidate_variants', 'type = "adaptive"\ncandidate_variants', /experimentation\.metric: is required for type "adaptive"/],
        // Both forms of one template (legacy `*_template` and `templates.<name>.path`) is an error for the gateway.
        [
          'model = "gpt_5_mini"\n',
          'model = "gpt_5_mini"\nuser_template = "functions/fix_ci_failure/prompts/v1/user.minijinja"\n',
          /variants\.gpt_5_mini_prompt_v1\.user_template: conflicts with templates\.user\.path/,
        ],
      ];
      for (const [from, to, message] of edits) {
        expect(shipped).toContain(from);
        await writeFile(toml, shipped.replace(from, to));
        await expect(loadGatewayConfig(toml)).rejects.toMatchObject({ code: "tensorzero_config_invalid", message: expect.stringMatching(message) });
      }
      // What the shipped config's comment suggests switching to is valid and loads.
      await writeFile(toml, shipped.replace('type = "static"\ncandidate_variants', 'type = "adaptive"\nmetric = "pr_merged"\ncandidate_variants'));
      expect((await loadGatewayConfig(toml)).functions[FIX_FUNCTION]!.candidates).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("models, providers, timeouts and write modes the gateway checks at start-up: a config it would refuse fails the load", async () => {
    // Reference §5: a variant's `model` is required and names a [models.X] (or is a `provider::model`
    // shorthand); a model needs `routing`, each entry a provider it declares; provider types are the
    // gateway's list (no `dummy` in the published image); `api_key_location` is `env::NAME`, `dynamic::name`,
    // `none` or {default, fallback}; every timeout is at most global_outbound_http_timeout_ms; observability
    // writes are asynchronous (the default) or batched, not both.
    const dir = await mkdtemp(join(tmpdir(), "t0-tz-models-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      const shipped = await readFile(toml, "utf8");
      const variant = "[functions.fix_ci_failure.variants.gpt_5_mini_prompt_v1]\ntype = \"chat_completion\"\n";
      const edits: Array<[string, string, RegExp]> = [
        [`${variant}model = "gpt_5_mini"\n`, variant, /variants\.gpt_5_mini_prompt_v1\.model: is required/],
        [`${variant}model = "gpt_5_mini"\n`, `${variant}model = "gpt_5_mni"\n`, /variants\.gpt_5_mini_prompt_v1\.model: names model "gpt_5_mni", which is not declared/],
        ['[models.gpt_5_mini]\nrouting = ["openai"]', "[models.gpt_5_mini]", /models\.gpt_5_mini\.routing: is required/],
        ['[models.gpt_5_mini]\nrouting = ["openai"]', '[models.gpt_5_mini]\nrouting = ["open_ai"]', /models\.gpt_5_mini\.routing: names provider "open_ai", which is not declared/],
        ['type = "openai"\nmodel_name = "gpt-5-mini"', 'type = "dummy"\nmodel_name = "gpt-5-mini"', /providers\.openai\.type: "dummy" is not a provider type/],
        ['api_key_location = "env::OPENAI_API_KEY"', 'api_key_location = "env:OPENAI_API_KEY"', /providers\.openai\.api_key_location: must be/],
        ["global_outbound_http_timeout_ms = 600000", "global_outbound_http_timeout_ms = 150000", /gpt_5_mini_prompt_v1\.timeouts\.non_streaming\.total_ms: 180000 is more than global_outbound_http_timeout_ms \(150000\)/],
        // Batch writes with the default asynchronous writes still on: the gateway takes one or the other.
        ["observability.enabled = true\n", "observability.enabled = true\nobservability.batch_writes = { enabled = true }\n", /gateway\.observability\.batch_writes: cannot be enabled while async_writes is on/],
      ];
      for (const [from, to, message] of edits) {
        expect(shipped).toContain(from);
        await writeFile(toml, shipped.replace(from, to));
        await expect(loadGatewayConfig(toml)).rejects.toMatchObject({ code: "tensorzero_config_invalid", message: expect.stringMatching(message) });
      }
      // Valid alternatives load: a `provider::model` shorthand, dynamic and {default, fallback} key locations.
      const fine = shipped
        .replace(`${variant}model = "gpt_5_mini"\n`, `${variant}model = "openai::gpt-5-mini"\n`)
        .replace('api_key_location = "env::OPENAI_API_KEY"', 'api_key_location = "dynamic::openai_key"')
        .replace('api_key_location = "env::ANTHROPIC_API_KEY"', 'api_key_location = { default = "env::ANTHROPIC_API_KEY", fallback = "env::ANTHROPIC_API_KEY_2" }')
        .replace("observability.enabled = true\n", "observability.enabled = true\nobservability.async_writes = false\nobservability.batch_writes = { enabled = true }\n");
      await writeFile(toml, fine);
      expect((await loadGatewayConfig(toml)).functions[FIX_FUNCTION]!.variants.gpt_5_mini_prompt_v1!.model).toBe("openai::gpt-5-mini");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
