import type { CommentBody, UpsertCommentOptions } from "../../core/ports/github-port.js";

/** An issue's comments as the upsert needs them: the app's own only (see writtenBy), and the writes. */
export interface CommentThread {
  ownComments(): Promise<Array<{ id: number; body: string }>>;
  create(body: string): Promise<number>;
  edit(id: number, body: string): Promise<void>;
  remove(id: number): Promise<void>;
}

/** The oldest: the one people saw first, and the one every writer settles on. */
const oldest = (comments: Array<{ id: number; body: string }>, mark: string) =>
  comments.filter((c) => c.body.includes(mark)).sort((a, b) => a.id - b.id)[0];

/**
 * One comment per marker, edited in place; see GitHubWriteClient.upsertComment. An edit is made only when
 * the text changes: an unchanged comment is not written again (each write counts against GitHub's
 * content-creation limit and shows as activity).
 */
export async function upsertComment(t: CommentThread, marker: string, body: CommentBody, o: UpsertCommentOptions = {}): Promise<{ id: number; created: boolean } | null> {
  const render = typeof body === "string" ? () => body : body;
  const own = await t.ownComments();
  const found = oldest(own, marker) ?? (o.adopt ? oldest(own, o.adopt) : undefined);
  if (found) {
    const text = render(found.body);
    if (text !== found.body) await t.edit(found.id, text);
    return { id: found.id, created: false };
  }
  if (o.create === false) return null;
  const id = await t.create(render(undefined));
  if (!o.shared) return { id, created: true };
  // Two writers that both found none (two jobs of one PR at once) both create: read again, and the later
  // one merges its text into the earlier one and deletes its own. Both check, so whichever is later sees
  // the other. What is left open: GitHub's list lagging behind a comment just created, where neither sees
  // the other's and both stay; and two edits of one comment at once, where the later edit, made from the
  // text before the earlier one, drops the earlier one's addition (GitHub has no conditional edit).
  const first = oldest(await t.ownComments(), marker);
  if (!first || first.id >= id) return { id, created: true };
  const text = render(first.body);
  if (text !== first.body) await t.edit(first.id, text);
  await t.remove(id);
  return { id: first.id, created: false };
}
