import type { CommentBody, UpsertCommentOptions, UpsertedComment } from "../../core/ports/github-port.js";

/** An issue's comments as the upsert needs them: the app's own only (see writtenBy), and the writes. */
export interface CommentThread {
  ownComments(): Promise<Array<{ id: number; body: string }>>;
  /**
   * The same, read once every write already queued for the installation (by any job, in any process) has
   * gone out: the check after a write of a shared comment. Read at once, it would come before the write of
   * a writer that read the comment before ours and waits its turn at the pacer, and miss that its edit,
   * landing next, drops ours.
   */
  ownCommentsAfterQueuedWrites(): Promise<Array<{ id: number; body: string }>>;
  create(body: string): Promise<number>;
  edit(id: number, body: string): Promise<void>;
  remove(id: number): Promise<void>;
}

/**
 * Edits of a shared comment made after the first write when another writer's edit keeps dropping this
 * one's text. Each round both writers merge into the other's text, so two settle in one; more than a few
 * means something else rewrites the comment (people editing it, another registration of the app).
 */
export const SHARED_COMMENT_REWRITES = 3;

/** The oldest: the one people saw first, and the one every writer settles on. */
const oldest = (comments: Array<{ id: number; body: string }>, mark: string) =>
  comments.filter((c) => c.body.includes(mark)).sort((a, b) => a.id - b.id)[0];

/**
 * One comment per marker, edited in place; see GitHubWriteClient.upsertComment. An edit is made only when
 * the text changes: an unchanged comment is not written again (each write counts against GitHub's
 * content-creation limit and shows as activity).
 */
export async function upsertComment(t: CommentThread, marker: string, body: CommentBody, o: UpsertCommentOptions = {}): Promise<UpsertedComment | null> {
  const render = typeof body === "string" ? () => body : body;
  const own = await t.ownComments();
  const found = oldest(own, marker) ?? (o.adopt ? oldest(own, o.adopt) : undefined);
  if (found) {
    const text = render(found.body);
    if (text === found.body) return { id: found.id, created: false };
    await t.edit(found.id, text);
    return o.shared ? settle(t, marker, render, { id: found.id, created: false }) : { id: found.id, created: false };
  }
  if (o.create === false) return null;
  const id = await t.create(render(undefined));
  return o.shared ? settle(t, marker, render, { id, created: true }) : { id, created: true };
}

/**
 * A shared comment read again after this writer's write, until it holds what this writer adds. GitHub has
 * no conditional edit: another writer that read the comment before this write edits it from the text
 * before, and drops this writer's addition. `render` is a merge (it keeps every other writer's part), so
 * the text holds this writer's part exactly when rendering it again changes nothing.
 * Two writers that both found none (two jobs of one PR at once) both create: whichever sees an older one
 * than its own merges its text into that one and deletes its own. Both check, so the later one sees the other.
 * What is left open: GitHub's list lagging behind a comment just created, where neither sees the other's
 * and both stay; an edit read before this one's and sent after this check (its GET answered before our
 * PATCH landed, its PATCH queued after our check); and more rewrites than SHARED_COMMENT_REWRITES.
 */
async function settle(t: CommentThread, marker: string, render: (current: string | undefined) => string, made: UpsertedComment): Promise<UpsertedComment> {
  let result = made;
  for (let rewrites = 0; ; ) {
    const first = oldest(await t.ownCommentsAfterQueuedWrites(), marker);
    // Gone: people deleted it since (not posted again), or GitHub's list has not caught up with ours yet.
    if (!first) return result;
    const text = render(first.body);
    const holds = text === first.body;
    if (!holds) {
      if (rewrites === SHARED_COMMENT_REWRITES) return { ...result, unsettled: true };
      await t.edit(first.id, text);
      rewrites++;
    }
    if (first.id !== result.id) {
      if (result.created && first.id < result.id) await t.remove(result.id);
      result = { id: first.id, created: false };
    }
    if (holds) return result;
  }
}
