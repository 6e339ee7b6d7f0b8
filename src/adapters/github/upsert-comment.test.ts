import { describe, expect, test } from "@jest/globals";
import { upsertComment, type CommentThread } from "./upsert-comment.js";

/** An issue's comments in memory; every call yields, so two upserts started together interleave. */
function thread() {
  const comments: Array<{ id: number; body: string }> = [];
  const writes: string[] = [];
  let next = 1;
  const tick = () => new Promise((r) => setImmediate(r));
  const t: CommentThread = {
    ownComments: async () => (await tick(), comments.map((c) => ({ ...c }))),
    create: async (body) => (await tick(), writes.push("create"), comments.push({ id: next, body }), next++),
    edit: async (id, body) => (await tick(), writes.push(`edit ${id}`), void (comments.find((c) => c.id === id)!.body = body)),
    remove: async (id) => (await tick(), writes.push(`remove ${id}`), void comments.splice(comments.findIndex((c) => c.id === id), 1)),
  };
  return { t, comments, writes };
}

const M = "<!-- m -->";
/** A list comment: the lines it had, plus `line`, sorted. */
const adding = (line: string) => (current: string | undefined) => [M, ...new Set([...(current ?? M).split("\n").slice(1), line])].sort().join("\n");

describe("upsertComment", () => {
  test("two writers of a shared comment that both found none leave one comment with both their lines", async () => {
    const { t, comments, writes } = thread();
    const [a, b] = await Promise.all([upsertComment(t, M, adding("a"), { shared: true }), upsertComment(t, M, adding("b"), { shared: true })]);
    expect(comments).toEqual([{ id: 1, body: `${M}\na\nb` }]);
    expect(writes).toEqual(["create", "create", "edit 1", "remove 2"]);
    expect([a, b]).toEqual([{ id: 1, created: true }, { id: 1, created: false }]);
  });

  test("a comment not shared is not read again after it is created", async () => {
    const { t, comments, writes } = thread();
    await upsertComment(t, M, `${M}\nx`);
    expect(writes).toEqual(["create"]);
    expect(comments).toHaveLength(1);
  });

  test("an older form of the comment is taken over (the oldest), and an unchanged text is not written", async () => {
    const { t, comments, writes } = thread();
    await t.create("<!-- old 1 -->\nfirst");
    await t.create("<!-- old 2 -->\nsecond");
    writes.length = 0;
    expect(await upsertComment(t, M, `${M}\nnew`, { adopt: "<!-- old " })).toEqual({ id: 1, created: false });
    expect(await upsertComment(t, M, `${M}\nnew`, { adopt: "<!-- old " })).toEqual({ id: 1, created: false });
    expect(writes).toEqual(["edit 1"]);
    expect(comments.map((c) => c.body)).toEqual([`${M}\nnew`, "<!-- old 2 -->\nsecond"]);
  });
});
