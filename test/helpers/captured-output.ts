import { afterEach, beforeEach, jest } from "@jest/globals";

/**
 * What each test of the calling file writes to process.stdout and process.stderr, captured instead of shown
 * (the CLI's commands write there). Registers its own hooks: call it once at the top of the file.
 */
export function capturedOutput(): { stdout: string; stderr: string } {
  const output = { stdout: "", stderr: "" };
  beforeEach(() => {
    output.stdout = "";
    output.stderr = "";
    jest.spyOn(process.stdout, "write").mockImplementation((s) => ((output.stdout += String(s)), true));
    jest.spyOn(process.stderr, "write").mockImplementation((s) => ((output.stderr += String(s)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return output;
}
