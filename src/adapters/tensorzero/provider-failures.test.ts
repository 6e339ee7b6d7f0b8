import { describe, expect, test } from "@jest/globals";
import { gatewayError } from "./gateway-errors.js";
import { providerFailures } from "./provider-failures.js";

/**
 * Messages in the gateway's wording (tensorzero-error/src/lib.rs Display, 2026.4.1) around the providers'
 * real error bodies: OpenAI's pretty-printed JSON with a request id, Anthropic's one-line JSON.
 */
const openaiBody = (message: string, type: string, code: string) =>
  `{\n    "error": {\n        "message": ${JSON.stringify(message)},\n        "type": "${type}",\n        "param": null,\n        "code": "${code}"\n    }\n}\n [request_id: req_8b1c2d]`;
const anthropicBody = (type: string, message: string) => `{"type":"error","error":{"type":"${type}","message":${JSON.stringify(message)}},"request_id":"req_011CVabc"}`;

const OPENAI_KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const openaiAuth = `Error 401 Unauthorized from openai client: ${openaiBody(`Incorrect API key provided: ${OPENAI_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key")}`;
const openaiContext = `Error 400 Bad Request from openai client: ${openaiBody("This model's maximum context length is 400000 tokens. However, your messages resulted in 412345 tokens. Please reduce the length of the messages.", "invalid_request_error", "context_length_exceeded")}`;
// OpenAI's 404 is not one the provider module blames on the caller: `InferenceServer`, shown with no status.
const openaiNoModel = `Error from openai server: ${openaiBody("The model `gpt-5-mimi` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")}`;
const openaiRateLimited = `Error 429 Too Many Requests from openai client: ${openaiBody("Rate limit reached for gpt-5-mini on tokens per min (TPM).", "tokens", "rate_limit_exceeded")}`;
const anthropicAuth = `Error 401 Unauthorized from anthropic client: ${anthropicBody("authentication_error", "invalid x-api-key")}`;
const anthropicContext = `Error 400 Bad Request from anthropic client: ${anthropicBody("invalid_request_error", "prompt is too long: 212345 tokens > 200000 maximum")}`;
const anthropicNoModel = `Error from anthropic server: ${anthropicBody("not_found_error", "model: claude-sonnet-9")}`;
const anthropicOverloaded = `Error from anthropic server: ${anthropicBody("overloaded_error", "Overloaded")}`;
const azureFiltered = `Error 400 Bad Request from azure client: {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400}}`;
const unreachable = "Error from openai client: Error sending request to OpenAI: error sending request for url (https://api.openai.com/v1/chat/completions)";
const providerTimeout = "Model provider anthropic timed out due to configured `non_streaming.total_ms` timeout (180s)";
const variantTimeout = "Variant `claude_sonnet_4_5_prompt_v1` timed out due to configured `non_streaming.total_ms` timeout (180s)";

const providers = (...errors: Array<[string, string]>) => `All model providers failed to infer with errors: ${errors.map(([p, e]) => `${p}: ${e}`).join(", ")}`;
const retried = (times: number, error: string) => `All retries failed with errors: ${Array.from({ length: times }, () => error).join(", ")}`;
const variants = (...errors: Array<[string, string]>) => `All variants failed with errors: ${errors.map(([v, e]) => `${v}: ${e}`).join("\n")}`;

const kinds = (message: string) => providerFailures(message)?.map((f) => f.kind);
const classify = (status: number, message: string) => gatewayError(status, message, { path: "/inference" });

describe("providerFailures: the providers' answers inside a wrapped gateway error", () => {
  test("each variant, each retry, each provider, named as the gateway listed them", () => {
    const msg = variants(
      ["gpt_5_mini_prompt_v1", retried(3, providers(["openai", openaiAuth]))],
      ["claude_sonnet_4_5_prompt_v1", providers(["anthropic", anthropicAuth])],
    );
    expect(providerFailures(msg)).toEqual([
      ...Array.from({ length: 3 }, () => ({ kind: "provider_auth", where: ["gpt_5_mini_prompt_v1", "openai"], provider: "openai", status: 401 })),
      { kind: "provider_auth", where: ["claude_sonnet_4_5_prompt_v1", "anthropic"], provider: "anthropic", status: 401 },
    ]);
  });

  test("permanent kinds, from the provider's status and its error body", () => {
    expect(kinds(variants(["a", providers(["openai", openaiContext])], ["b", providers(["anthropic", anthropicContext])]))).toEqual(["context_too_large", "context_too_large"]);
    expect(kinds(variants(["a", providers(["openai", openaiNoModel])], ["b", providers(["anthropic", anthropicNoModel])]))).toEqual(["unknown_model", "unknown_model"]);
    expect(kinds(providers(["azure", azureFiltered]))).toEqual(["content_refused"]);
    expect(kinds(providers(["openai", "API key missing for provider openai: Environment variable `OPENAI_API_KEY` is missing"]))).toEqual(["provider_auth"]);
    // `gateway.debug = true`: no status, then the raw request (the prompt: CI logs that may say anything).
    const debugAuth = `Error from anthropic client: ${anthropicBody("authentication_error", "invalid x-api-key")}\nRaw request: {"messages":[{"role":"user","content":"Error: 503 overloaded_error; context_length_exceeded"}]}\nRaw response: ${anthropicBody("authentication_error", "invalid x-api-key")}`;
    expect(kinds(variants(["a", providers(["anthropic", debugAuth])], ["b", providers(["anthropic", debugAuth])]))).toEqual(["provider_auth", "provider_auth"]);
  });

  test("transient kinds: rate limits, overloads and 5xx, timeouts, no answer at all", () => {
    expect(kinds(variants(
      ["a", providers(["openai", openaiRateLimited])],
      ["b", providers(["anthropic", anthropicOverloaded])],
      ["c", providers(["openai", unreachable], ["anthropic", providerTimeout])],
      ["claude_sonnet_4_5_prompt_v1", variantTimeout],
    ))).toEqual(["transient", "transient", "transient", "transient", "transient"]);
  });

  test("not a wrapper, or a wrapper whose entries are not in the gateway's format: nothing is claimed", () => {
    expect(providerFailures("database unavailable")).toBeUndefined();
    expect(providerFailures(openaiAuth)).toBeUndefined();
    expect(kinds("All variants failed with errors: a: timeout")).toEqual(["unknown"]);
    expect(kinds("All variants failed with errors: xxxxxxxx")).toEqual(["unknown"]);
    // A variant whose error starts in a way not known here must not vanish into its neighbour's text.
    expect(kinds(variants(["a", providers(["openai", openaiAuth])], ["b", "Internal error: something new"]))).toContain("unknown");
    expect(kinds(providers(["openai", "Error 400 Bad Request from openai client: {\"error\":{\"message\":\"Invalid 'response_format'\"}}"]))).toEqual(["unknown"]);
  });
});

describe("gatewayError on a 502/500 whose every provider failed", () => {
  test("every provider refusing its key: model_provider_auth, not retried, says which and what to fix, leaks no key", () => {
    const msg = variants(
      ["gpt_5_mini_prompt_v1", retried(3, providers(["openai", openaiAuth]))],
      ["claude_sonnet_4_5_prompt_v1", retried(3, providers(["anthropic", anthropicAuth]))],
      ["claude_haiku_4_5_prompt_v1", retried(2, providers(["anthropic", anthropicAuth]))],
    );
    const err = classify(502, msg);
    expect(err).toMatchObject({ code: "model_provider_auth", retryable: false, details: { status: 502 } });
    expect(err.message).toContain("gpt_5_mini_prompt_v1/openai 401; claude_sonnet_4_5_prompt_v1/anthropic 401; claude_haiku_4_5_prompt_v1/anthropic 401");
    expect(err.message).toMatch(/API key in the TensorZero gateway's environment/);
    expect(err.message).toMatch(/TENSORZERO_API_KEY is the gateway's own key and not the one refused/);
    expect(err.message).not.toMatch(/will retry/);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(OPENAI_KEY);
  });

  test("the job's error keeps each distinct failure once, and at most 20 of them", () => {
    const retriedOnly = classify(502, variants(["a", retried(50, providers(["openai", openaiAuth]))], ["b", retried(50, providers(["anthropic", anthropicAuth]))]));
    expect(retriedOnly.details?.providerFailures).toEqual([
      { kind: "provider_auth", where: ["a", "openai"], provider: "openai", status: 401 },
      { kind: "provider_auth", where: ["b", "anthropic"], provider: "anthropic", status: 401 },
    ]);
    const many = classify(502, variants(...Array.from({ length: 60 }, (_, i) => [`v${i}`, providers(["openai", openaiAuth])] as [string, string])));
    expect(many.details?.providerFailures).toHaveLength(20);
  });

  test("a variant or provider name that is really a token is masked in the message", () => {
    const token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    const err = classify(502, variants([token, providers(["openai", openaiAuth])]));
    expect(err).toMatchObject({ code: "model_provider_auth" });
    expect(err.message).not.toContain(token);
  });

  test("a single (pinned) variant's 500 All model providers failed is read the same way", () => {
    expect(classify(500, providers(["anthropic", anthropicAuth]))).toMatchObject({ code: "model_provider_auth", retryable: false });
    expect(classify(500, retried(3, providers(["openai", openaiNoModel])))).toMatchObject({ code: "model_provider_unknown_model", retryable: false, message: expect.stringMatching(/model_name under \[models\.\*\.providers\.\*\]/) });
  });

  test("unknown model, content policy, and a mix of permanent reasons", () => {
    expect(classify(502, variants(["a", providers(["openai", openaiNoModel])], ["b", providers(["anthropic", anthropicNoModel])]))).toMatchObject({ code: "model_provider_unknown_model", retryable: false });
    expect(classify(502, variants(["a", providers(["azure", azureFiltered])]))).toMatchObject({ code: "model_content_refused", retryable: false });
    const mixed = classify(502, variants(["a", providers(["openai", openaiAuth])], ["b", providers(["anthropic", anthropicNoModel])]));
    expect(mixed).toMatchObject({ code: "model_provider_rejected", retryable: false });
    expect(mixed.message).toContain("a/openai 401: credentials refused; b/anthropic: unknown model");
  });

  test("context too large everywhere → context_too_large, even beside a misconfigured variant (the smaller context may fit)", () => {
    expect(classify(502, variants(["a", retried(3, providers(["openai", openaiContext]))], ["b", providers(["anthropic", anthropicContext])]))).toMatchObject({ code: "context_too_large", retryable: false });
    expect(classify(502, variants(["a", providers(["openai", openaiContext])], ["b", providers(["anthropic", anthropicAuth])]))).toMatchObject({ code: "context_too_large", retryable: false });
  });

  test("one transient failure inside keeps the whole answer retryable, context-length text included", () => {
    for (const transient of [anthropicOverloaded, providerTimeout, openaiRateLimited, unreachable]) {
      const err = classify(502, variants(["a", providers(["openai", openaiAuth])], ["b", providers(["anthropic", transient])]));
      expect(err).toMatchObject({ code: "model_gateway_error", retryable: true });
    }
    expect(classify(502, variants(["a", providers(["openai", openaiContext])], ["b", providers(["anthropic", anthropicOverloaded])]))).toMatchObject({ code: "model_gateway_error", retryable: true });
  });

  test("unparseable stays as before: retryable, or context_too_large when the text says so", () => {
    expect(classify(502, "All variants failed with errors: a: 500")).toMatchObject({ code: "model_gateway_error", retryable: true });
    expect(classify(502, "All variants failed with errors: a: timeout; context_length_exceeded")).toMatchObject({ code: "context_too_large", retryable: false });
    // 4xx answers keep their own handling: a permanent inner error there is already not retried.
    expect(classify(400, providers(["openai", openaiAuth]))).toMatchObject({ code: "model_bad_request", retryable: false });
  });
});
