import { describe, expect, test } from "@jest/globals";
import { SHARED_COMMENT_REWRITES, upsertComment, type CommentThread } from "./upsert-comment.js";

/**
 * An issue's comments in memory; every call yields, so two upserts started together interleave. Writes, and
 * the reads made after queued writes, take their turn in one line, first asked first served, as at the
 * adapter's pacer: a writer's edit waits there while the other writer's goes out and is checked.
 */
function thread() {
  const comments: Array<{ id: number; body: string }> = [];
  const writes: string[] = [];
  let next = 1;
  const tick = () => new Promise((r) => setImmediate(r));
  let line: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => T): Promise<T> => {
    const turn = line.then(tick).then(fn);
    line = turn.catch(() => undefined);
    return turn;
  };
  const list = () => comments.map((c) => ({ ...c }));
  const t: CommentThread = {
    ownComments: async () => (await tick(), list()),
    ownCommentsAfterQueuedWrites: () => inTurn(list),
    create: (body) => inTurn(() => (writes.push("create"), comments.push({ id: next, body }), next++)),
    edit: (id, body) => inTurn(() => (writes.push(`edit ${id}`), void (comments.find((c) => c.id === id)!.body = body))),
    remove: (id) => inTurn(() => (writes.push(`remove ${id}`), void comments.splice(comments.findIndex((c) => c.id === id), 1))),
  };
  return { t, comments, writes };
}

/** Someone else acts on the thread right after each of this writer's edits lands. */
function afterEachEdit(t: CommentThread, then: () => void): void {
  const edit = t.edit;
  t.edit = async (id, body) => {
    await edit(id, body);
    then();
  };
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

  // GitHub has no conditional edit: both read the comment, then each writes it with only its own line added.
  test("two writers editing a shared comment at once both end up in it: the one whose line was dropped writes it back", async () => {
    const { t, comments, writes } = thread();
    await t.create(`${M}\nx`);
    writes.length = 0;
    const [a, b] = await Promise.all([upsertComment(t, M, adding("a"), { shared: true }), upsertComment(t, M, adding("b"), { shared: true })]);
    expect(comments).toEqual([{ id: 1, body: `${M}\na\nb\nx` }]);
    // b's edit, made from the text before a's, dropped a; a's check saw it and wrote a back; b's check found both.
    expect(writes).toEqual(["edit 1", "edit 1", "edit 1"]);
    expect([a, b]).toEqual([{ id: 1, created: false }, { id: 1, created: false }]);
  });

  test("an edit kept being undone is written again a few times, then given up on (unsettled), not failed", async () => {
    const { t, comments, writes } = thread();
    await t.create(`${M}\nx`);
    writes.length = 0;
    // Someone else puts the old text back after each of this writer's edits.
    afterEachEdit(t, () => {
      comments[0]!.body = `${M}\nx`;
    });
    expect(await upsertComment(t, M, adding("a"), { shared: true })).toEqual({ id: 1, created: false, unsettled: true });
    expect(writes).toHaveLength(1 + SHARED_COMMENT_REWRITES);
  });

  test("a shared comment people deleted right after this writer's edit is not posted again by the check", async () => {
    const { t, comments, writes } = thread();
    await t.create(`${M}\nx`);
    writes.length = 0;
    afterEachEdit(t, () => {
      comments.length = 0;
    });
    expect(await upsertComment(t, M, adding("a"), { shared: true })).toEqual({ id: 1, created: false });
    expect(writes).toEqual(["edit 1"]);
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
