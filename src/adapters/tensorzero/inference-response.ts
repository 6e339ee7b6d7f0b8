import { AppError } from "../../core/errors.js";
import type { InferenceRequest, JsonInferenceResponse } from "./wire-types.js";

/**
 * A chat function answers with `content` blocks instead of a JSON `output` (reference §1.4–1.5); asking
 * again cannot change that, so it is permanent, and it names the setting to fix.
 */
export const notJsonFunction = (body: InferenceRequest) =>
  new AppError(
    "model_bad_response",
    `TensorZero answered /inference for "${body.function_name ?? body.model_name}" without a JSON output (chat content instead): TENSORZERO_FUNCTION must name a JSON function (type = "json") with the fix_ci_failure output schema.`,
    { retryable: false, details: { function: body.function_name } },
  );

/** A 200 from /inference without these ids or the JSON output is not an answer the app can use. */
export function checkInferenceResponse(res: JsonInferenceResponse, body: InferenceRequest): JsonInferenceResponse {
  if (!res || typeof res.inference_id !== "string" || typeof res.episode_id !== "string" || typeof res.variant_name !== "string") {
    throw new AppError("model_bad_response", "TensorZero answered /inference without inference_id/episode_id/variant_name; is TENSORZERO_URL a TensorZero gateway?", { retryable: false });
  }
  if (!res.output || typeof res.output !== "object") throw notJsonFunction(body);
  return res;
}
