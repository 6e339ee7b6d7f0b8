import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { checkGatewayStartup } from "./check-gateway-startup.js";
import { tensorzeroConfigInvalid as bad } from "./tensorzero-config-invalid.js";

/**
 * The parts of a `tensorzero.toml` the app and the fake gateway rely on, with every referenced file read.
 * This is not a full TensorZero config parser: it reads functions, variants, experimentation and metrics,
 * resolves paths relative to the TOML file as the gateway does, and fails on a missing file or a metric
 * without type/optimize/level, so a broken config is caught in tests rather than at gateway start-up.
 */
export interface GatewayVariant {
  name: string;
  type: string;
  model?: string;
  /** Template name → absolute path. */
  templates: Record<string, string>;
  jsonMode?: string;
  raw: Record<string, unknown>;
}

export interface GatewayFunction {
  name: string;
  type: "json" | "chat";
  /** Template name (system/user/...) → JSON Schema. */
  schemas: Record<string, object>;
  schemaPaths: Record<string, string>;
  outputSchema?: object;
  outputSchemaPath?: string;
  variants: Record<string, GatewayVariant>;
  /** Candidate variants with weights (uniform when the config gives none). */
  candidates: Array<{ name: string; weight: number }>;
  fallbacks: string[];
}

export interface GatewayMetric {
  name: string;
  type: "boolean" | "float";
  optimize: "max" | "min";
  level: "inference" | "episode";
}

export interface GatewayConfig {
  path: string;
  functions: Record<string, GatewayFunction>;
  metrics: Record<string, GatewayMetric>;
  raw: Record<string, unknown>;
}

/** The config shipped in `tensorzero/config/`. */
export const SHIPPED_GATEWAY_CONFIG = fileURLToPath(new URL("../../../tensorzero/config/tensorzero.toml", import.meta.url));

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);

// Keys of the gateway's serde structs that deny unknown fields (reference §5): a typo there makes the real
// gateway refuse to start, so the fake, which loads the config through here, must refuse it too.
const TOP_LEVEL_KEYS = ["gateway", "clickhouse", "postgres", "rate_limiting", "object_storage", "models", "embedding_models", "functions", "metrics", "tools", "evaluations", "provider_types", "optimizers", "autopilot"];
const METRIC_KEYS = ["type", "optimize", "level", "description"];
const CHAT_COMPLETION_KEYS = [
  "type", "model", "templates", "system_template", "user_template", "assistant_template", "temperature", "top_p", "max_tokens",
  "presence_penalty", "frequency_penalty", "seed", "stop_sequences", "reasoning_effort", "service_tier", "thinking_budget_tokens",
  "verbosity", "json_mode", "retries", "extra_body", "extra_headers", "timeouts", "namespace", "weight",
];
const JSON_MODES = ["off", "on", "strict", "tool"];

function onlyKnown(where: string, table: Table, known: readonly string[]): void {
  for (const k of Object.keys(table)) {
    if (!known.includes(k)) throw bad(`${where}.${k}`, `is not a key the gateway accepts (it refuses to start); expected one of ${known.join(", ")}`);
  }
}

export async function loadGatewayConfig(path: string = SHIPPED_GATEWAY_CONFIG): Promise<GatewayConfig> {
  const abs = resolve(path);
  let raw: Table;
  try {
    raw = parseToml(await readFile(abs, "utf8")) as Table;
  } catch (err) {
    throw bad(abs, `cannot be read as TOML (${(err as Error).message})`);
  }
  onlyKnown("(top level)", raw, TOP_LEVEL_KEYS);
  const base = dirname(abs);
  const functions: Record<string, GatewayFunction> = {};
  for (const [name, fn] of Object.entries(isTable(raw.functions) ? raw.functions : {})) {
    if (isTable(fn)) functions[name] = await loadFunction(base, name, fn);
  }
  const metrics: Record<string, GatewayMetric> = {};
  for (const [name, m] of Object.entries(isTable(raw.metrics) ? raw.metrics : {})) {
    if (name === "comment" || name === "demonstration") throw bad(`metrics.${name}`, "is a reserved name");
    if (!isTable(m)) throw bad(`metrics.${name}`, "must be a table");
    onlyKnown(`metrics.${name}`, m, METRIC_KEYS);
    if (m.type !== "boolean" && m.type !== "float") throw bad(`metrics.${name}.type`, 'must be "boolean" or "float"');
    if (m.optimize !== "max" && m.optimize !== "min") throw bad(`metrics.${name}.optimize`, 'must be "max" or "min"');
    if (m.level !== "inference" && m.level !== "episode") throw bad(`metrics.${name}.level`, 'must be "inference" or "episode"');
    metrics[name] = { name, type: m.type, optimize: m.optimize, level: m.level };
  }
  checkGatewayStartup(raw, Object.values(functions).flatMap((f) => Object.values(f.variants).map((v) => ({ where: `functions.${f.name}.variants.${v.name}`, model: v.raw.model, raw: v.raw }))));
  return { path: abs, functions, metrics, raw };
}

async function loadFunction(base: string, name: string, fn: Table): Promise<GatewayFunction> {
  const where = `functions.${name}`;
  if (fn.type !== "json" && fn.type !== "chat") throw bad(`${where}.type`, 'must be "json" or "chat"');
  const schemaPaths: Record<string, string> = {};
  if (isTable(fn.schemas)) {
    for (const [sname, s] of Object.entries(fn.schemas)) {
      if (!isTable(s) || typeof s.path !== "string") throw bad(`${where}.schemas.${sname}`, "needs a path");
      schemaPaths[sname] = resolve(base, s.path);
    }
  }
  for (const legacy of ["system", "user", "assistant"]) {
    const p = fn[`${legacy}_schema`];
    if (typeof p !== "string") continue;
    if (schemaPaths[legacy]) throw bad(`${where}.${legacy}_schema`, `conflicts with schemas.${legacy}.path`);
    schemaPaths[legacy] = resolve(base, p);
  }
  const schemas: Record<string, object> = {};
  for (const [sname, p] of Object.entries(schemaPaths)) schemas[sname] = await readJson(p, `${where}.schemas.${sname}`);
  let outputSchema: object | undefined;
  let outputSchemaPath: string | undefined;
  if (fn.type === "json") {
    if (typeof fn.output_schema === "string") {
      outputSchemaPath = resolve(base, fn.output_schema);
      outputSchema = await readJson(outputSchemaPath, `${where}.output_schema`);
    } else {
      outputSchema = {};
    }
  }
  const variants: Record<string, GatewayVariant> = {};
  for (const [vname, v] of Object.entries(isTable(fn.variants) ? fn.variants : {})) {
    if (!isTable(v)) continue;
    if (v.type === "chat_completion") onlyKnown(`${where}.variants.${vname}`, v, CHAT_COMPLETION_KEYS);
    if (v.json_mode !== undefined) {
      if (fn.type !== "json") throw bad(`${where}.variants.${vname}.json_mode`, "is only allowed on JSON functions");
      if (!JSON_MODES.includes(String(v.json_mode))) throw bad(`${where}.variants.${vname}.json_mode`, `must be one of ${JSON_MODES.join(", ")}`);
    }
    const templates: Record<string, string> = {};
    if (isTable(v.templates)) {
      for (const [tname, t] of Object.entries(v.templates)) {
        if (!isTable(t) || typeof t.path !== "string") throw bad(`${where}.variants.${vname}.templates.${tname}`, "needs a path");
        templates[tname] = resolve(base, t.path);
      }
    }
    for (const legacy of ["system", "user", "assistant"]) {
      const p = v[`${legacy}_template`];
      if (typeof p !== "string") continue;
      // As for schemas: the gateway refuses both forms of one template, it does not pick one.
      if (templates[legacy]) throw bad(`${where}.variants.${vname}.${legacy}_template`, `conflicts with templates.${legacy}.path`);
      templates[legacy] = resolve(base, p);
    }
    for (const [tname, p] of Object.entries(templates)) {
      await readFile(p).catch(() => {
        throw bad(`${where}.variants.${vname}.templates.${tname}`, `file ${p} does not exist`);
      });
    }
    variants[vname] = {
      name: vname,
      type: String(v.type ?? ""),
      model: typeof v.model === "string" ? v.model : undefined,
      templates,
      jsonMode: typeof v.json_mode === "string" ? v.json_mode : undefined,
      raw: v,
    };
  }
  const { candidates, fallbacks } = experimentation(where, fn.experimentation, Object.keys(variants));
  for (const c of [...candidates.map((c) => c.name), ...fallbacks]) {
    if (!variants[c]) throw bad(`${where}.experimentation`, `names variant "${c}", which is not defined`);
  }
  return { name, type: fn.type, schemas, schemaPaths, outputSchema, outputSchemaPath, variants, candidates, fallbacks };
}

// Reference §5: static and adaptive, plus the legacy names that still parse; adaptive ones need a metric.
const EXPERIMENTATION_TYPES = ["static", "adaptive", "uniform", "static_weights", "track_and_stop"];
const NEEDS_METRIC = ["adaptive", "track_and_stop"];

function experimentation(where: string, exp: unknown, all: string[]): { candidates: Array<{ name: string; weight: number }>; fallbacks: string[] } {
  if (!isTable(exp)) return { candidates: all.map((name) => ({ name, weight: 1 })), fallbacks: [] };
  // The gateway refuses to start on these, so the fake (which loads the config through here) must too.
  if (!EXPERIMENTATION_TYPES.includes(String(exp.type))) throw bad(`${where}.experimentation.type`, `must be one of ${EXPERIMENTATION_TYPES.join(", ")}`);
  if (NEEDS_METRIC.includes(String(exp.type)) && typeof exp.metric !== "string") throw bad(`${where}.experimentation.metric`, `is required for type "${String(exp.type)}"`);
  const fallbacks = Array.isArray(exp.fallback_variants) ? exp.fallback_variants.map(String) : [];
  const cv = exp.candidate_variants;
  if (Array.isArray(cv)) return { candidates: cv.map((name) => ({ name: String(name), weight: 1 })), fallbacks };
  if (isTable(cv)) {
    const candidates = Object.entries(cv).map(([name, w]) => {
      if (typeof w !== "number" || w < 0) throw bad(`${where}.experimentation.candidate_variants.${name}`, "must be a weight ≥ 0");
      return { name, weight: w };
    });
    return { candidates, fallbacks };
  }
  return { candidates: all.filter((n) => !fallbacks.includes(n)).map((name) => ({ name, weight: 1 })), fallbacks };
}

async function readJson(path: string, where: string): Promise<object> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw bad(where, `file ${path} does not exist`);
  }
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw bad(where, `file ${path} is not valid JSON (${(err as Error).message})`);
  }
}
