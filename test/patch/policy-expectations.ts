import { expect } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { gitDiff, type GitDiffCase } from "./git-diff.js";
import { configWith } from "./helpers.js";

/** The edit, as git diffs it, is refused by `rule` with a reason matching `reason`, and goes through once the repo allows that rule. */
export async function expectRefusedUnlessAllowed(c: GitDiffCase, rule: string, reason: RegExp): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    const refused = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
    expect(refused).toMatchObject({ ok: false, refusal: { rule, reason: expect.stringMatching(reason) } });
    const allowed = await applyPatch(diff, repo, { config: configWith([rule]), dryRun: true });
    expect(allowed).toMatchObject({ ok: true, overrides: [rule] });
  } finally {
    await cleanup();
  }
}

/** The edit goes through the default policy with no override: the diff is shown when it does not. */
export async function expectAccepted(c: GitDiffCase): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    const r = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.refusal)}\n${diff}`);
    expect(r.overrides).toEqual([]);
  } finally {
    await cleanup();
  }
}

/** The edit goes through with `allow.workflow_edits` and no other override: the diff is shown when it does not. */
export async function expectAcceptedWithWorkflowEdits(c: GitDiffCase): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    const r = await applyPatch(diff, repo, { config: configWith(["workflow_edits"]), dryRun: true });
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.refusal)}\n${diff}`);
    expect(r.overrides).toEqual(["workflow_edits"]);
  } finally {
    await cleanup();
  }
}

/**
 * The edit to a workflow or local action is refused as a workflow edit by default and, with workflow edits allowed,
 * by `rule` with a reason matching each of `reasons`; no allow.* key lifts that: with every one allowed it is still refused.
 */
export async function expectRefusedWhateverAllowed(c: GitDiffCase, rule: string, reasons: RegExp[]): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    expect(await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true })).toMatchObject({ ok: false, refusal: { rule: "workflow_edits" } });
    for (const allow of [["workflow_edits"], Object.keys(defaultRepoConfig().allow)]) {
      const r = await applyPatch(diff, repo, { config: configWith(allow), dryRun: true });
      if (r.ok) throw new Error(`accepted with ${allow.join(", ")} allowed:\n${diff}`);
      expect(r.refusal.rule).toBe(rule);
      for (const re of reasons) expect(r.refusal.reason).toMatch(re);
    }
  } finally {
    await cleanup();
  }
}
