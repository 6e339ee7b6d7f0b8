import type { Redis } from "ioredis";

/**
 * Lua scripts of the Redis job store. Each runs atomically on the server, so two web processes handling
 * the same run at the same moment still create one job. Key names are built from a prefix passed in
 * ARGV[1]; that is fine on a single Redis (or Sentinel) but not on Redis Cluster, which we do not target.
 *
 * Layout under the prefix:
 *   job:<id>            hash { json, rev, state, score }   the job document and its revision
 *   key:<repoId:runId>  string → job id                     idempotent intake (SET NX), removed with the job
 *   jobs:all            zset id by createdAt ms             listing newest first
 *   jobs:state:<state>  zset id by createdAt ms             listing and counting per state
 *   jobs:repo:<name>    zset id by createdAt ms             listing per repository (lower-case name the job has now)
 *   jobs:repoid:<repoId> zset id by createdAt ms            listing per repository ID (the pipeline's guards:
 *                       the ID survives a rename); complete once compact:repoid-indexed is set (see INDEX_REPO_IDS)
 *   jobs:unfinished     zset id by createdAt ms             resume at start-up, oldest first
 *   jobs:feedback       set of job ids                      jobs with feedback pending (the outbox's resend)
 *   fpjobs:<repoId>:<fp> zset job id by createdAt ms        fix-loop guard: the jobs of a failure that count
 *   fp:<repoId>:<fp>    counter                             the same, as versions before fpjobs kept it (read, cleared)
 *   deliveries          list of JSON, newest first, capped
 *   deliveries:refs     hash delivery id → records of it in the list (a redelivery keeps its GUID)
 *   payload:<delivery>  string, deleted with the last listed record of its delivery, or expires after the
 *                       retention window
 */

/**
 * Shared by intake and import. A payload is kept only while a record of its delivery is listed: the list is
 * capped, the window is not, and at a high delivery rate payloads kept for the whole window (tens of KB
 * each) would outgrow everything else in memory.
 */
const DELIVERY_LIST = `
local function list_payload(p, id, payload, ttl)
  redis.call('HINCRBY', p .. 'deliveries:refs', id, 1)
  if payload then redis.call('SET', p .. 'payload:' .. id, payload, 'EX', ttl) end
end
local function trim_deliveries(p, cap)
  local key = p .. 'deliveries'
  while redis.call('LLEN', key) > cap do
    local id = cjson.decode(redis.call('RPOP', key)).id
    -- A record listed before deliveries:refs existed has no count: its payload goes with it.
    if redis.call('HINCRBY', p .. 'deliveries:refs', id, -1) <= 0 then
      redis.call('HDEL', p .. 'deliveries:refs', id)
      redis.call('DEL', p .. 'payload:' .. id)
    end
  end
end
`;

/** Shared by intake and import: creates the job and its index entries unless the key is taken. */
const CREATE_JOB = `
local function create_job(p, id, key, json, state, score, repo, repoId, fp, final)
  if not redis.call('SET', p .. 'key:' .. key, id, 'NX') then
    return redis.call('GET', p .. 'key:' .. key)
  end
  redis.call('HSET', p .. 'job:' .. id, 'json', json, 'rev', 1, 'state', state, 'score', score)
  redis.call('ZADD', p .. 'jobs:all', score, id)
  redis.call('ZADD', p .. 'jobs:state:' .. state, score, id)
  redis.call('ZADD', p .. 'jobs:repo:' .. repo, score, id)
  redis.call('ZADD', p .. 'jobs:repoid:' .. repoId, score, id)
  if final ~= '1' then redis.call('ZADD', p .. 'jobs:unfinished', score, id) end
  -- The job ids, not a counter: retention takes out exactly the jobs it removes, and a clear at a time
  -- takes out exactly the jobs created before it.
  redis.call('ZADD', p .. 'fpjobs:' .. repoId .. ':' .. fp, score, id)
  return false
end
`;

/**
 * ARGV: prefix, payloadTtlSec, deliveriesCap, payload, deliveryId, createdDeliveryJson, duplicateDeliveryJson,
 * [id, key, json, state, score, repo, repoId, fingerprint, final, fingerprintMax, cappedDeliveryJson]. The
 * duplicate delivery JSON carries the placeholder @@JOBID@@ for the existing job's id (JSON is built in
 * JS: Lua's cjson would round numbers). fingerprintMax 0 means no fix-loop cap. Returns {1} when created,
 * {0, existingJobJson} for a duplicate, {2} when the cap refused the job, {0} without a job.
 */
export const INTAKE = `${CREATE_JOB}${DELIVERY_LIST}
local p = ARGV[1]
-- Every path below lists exactly one record of this delivery.
list_payload(p, ARGV[5], ARGV[4], ARGV[2])
local function push(d)
  redis.call('LPUSH', p .. 'deliveries', d)
  trim_deliveries(p, tonumber(ARGV[3]))
end
if #ARGV < 8 then
  push(ARGV[6])
  return {0}
end
-- A run that already has a job is a duplicate whatever the cap says; otherwise the cap is checked here,
-- in the same atomic step that creates the job, so a burst of failures cannot slip past it.
local max = tonumber(ARGV[17] or '0')
if max > 0 and not redis.call('GET', p .. 'key:' .. ARGV[9]) then
  local f = ARGV[14] .. ':' .. ARGV[15]
  local seen = redis.call('ZCARD', p .. 'fpjobs:' .. f) + tonumber(redis.call('GET', p .. 'fp:' .. f) or '0')
  if seen >= max then
    push(ARGV[18])
    return {2}
  end
end
local existing = create_job(p, ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[16])
if existing then
  push((string.gsub(ARGV[7], '@@JOBID@@', existing, 1)))
  return {0, redis.call('HGET', p .. 'job:' .. existing, 'json')}
end
push(ARGV[6])
return {1}
`;

/**
 * Shared by update and import: moves a job between the per-state sets and in or out of the unfinished one,
 * and between the per-name sets when its repository's name changed (lower-case names).
 */
const REINDEX = `
local function move_repo(p, id, from, to, score)
  if from == to then return end
  redis.call('ZREM', p .. 'jobs:repo:' .. from, id)
  redis.call('ZADD', p .. 'jobs:repo:' .. to, score, id)
end
local function reindex(p, id, from, to, score, final)
  if from ~= to then
    redis.call('ZREM', p .. 'jobs:state:' .. from, id)
    redis.call('ZADD', p .. 'jobs:state:' .. to, score, id)
  end
  if final == '1' then
    redis.call('ZREM', p .. 'jobs:unfinished', id)
  else
    redis.call('ZADD', p .. 'jobs:unfinished', score, id)
  end
end
`;

/**
 * ARGV: prefix, id, key, json, state, score, repo, repoId, fingerprint, final, refresh. Returns 1 when
 * created, 2 when refreshed, 0 when left as it was. A job an earlier run imported (marked `imported`) is
 * replaced by the source's copy (refresh '1') while nothing in Redis has changed it since: the old server
 * went on with it between the two runs of a gap-free switch, and a stale copy would be resumed by the new
 * workers. A job Redis has moved on is Redis's.
 */
export const IMPORT_JOB = `${CREATE_JOB}${REINDEX}
local p = ARGV[1]
local existing = create_job(p, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local k = p .. 'job:' .. ARGV[2]
if not existing then
  redis.call('HSET', k, 'imported', 1) -- the revision the import wrote
  return 1
end
if ARGV[11] ~= '1' or existing ~= ARGV[2] then return 0 end
local cur = redis.call('HMGET', k, 'rev', 'imported', 'state', 'score', 'json')
if not cur[2] or cur[1] ~= cur[2] then return 0 end
if cur[5] == ARGV[4] then return 0 end
-- A new revision, or an update that read the copy before this one would pass its check and put it back.
-- 'imported' follows it: nothing but the migration has changed the job yet, so a later run may refresh again.
local rev = tonumber(cur[1]) + 1
redis.call('HSET', k, 'json', ARGV[4], 'state', ARGV[5], 'rev', rev, 'imported', rev)
reindex(p, ARGV[2], cur[3], ARGV[5], cur[4], ARGV[10])
-- The source may have renamed the job since the copy here: its name before is in the copy it replaces.
-- string.lower is ASCII-only, as GitHub's owner and repository names are.
move_repo(p, ARGV[2], string.lower(cjson.decode(cur[5]).repo.fullName), ARGV[7], cur[4])
return 2
`;

/** Whether `holder` still has its lease in the sorted set `key` (holder → expiry ms), by this server's clock. */
const FENCE_HELD = `
local function fence_held(key, holder)
  local expires = redis.call('ZSCORE', key, holder)
  local t = redis.call('TIME')
  return expires and tonumber(expires) > tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** ARGV: fenceKey, fenceHolder. Returns 1 while the holder has the lease, else 0. */
export const HOLDS_FENCE = `${FENCE_HELD}
if fence_held(ARGV[1], ARGV[2]) then return 1 end
return 0
`;

/**
 * Compare-and-set of one job: writes only if the revision is still the one the caller read, and, with a
 * fence (a lease: sorted set of holder → expiry ms), only while the fence's holder still has it by this
 * server's clock, the clock the lease was taken by. ARGV: prefix, id, expectedRev, json, state, final,
 * pendingFeedback, repo before, repo after (lower-case names)[, fenceKey, fenceHolder]. Returns -1 missing,
 * -2 fenced out, 0 conflict, 1 written.
 */
export const UPDATE_JOB = `${REINDEX}${FENCE_HELD}
local p = ARGV[1]
local k = p .. 'job:' .. ARGV[2]
local cur = redis.call('HMGET', k, 'rev', 'state', 'score')
if not cur[1] then return -1 end
if ARGV[10] and not fence_held(ARGV[10], ARGV[11]) then return -2 end
if cur[1] ~= ARGV[3] then return 0 end
redis.call('HSET', k, 'json', ARGV[4], 'rev', tonumber(cur[1]) + 1, 'state', ARGV[5])
reindex(p, ARGV[2], cur[2], ARGV[5], cur[3], ARGV[6])
-- The caller read the name before from the revision checked above, so it is the stored one: a job renamed
-- (its repository seen under a new name) is listed by that name, and no longer by the old one.
move_repo(p, ARGV[2], ARGV[8], ARGV[9], cur[3])
if ARGV[7] == '1' then
  redis.call('SADD', p .. 'jobs:feedback', ARGV[2])
else
  redis.call('SREM', p .. 'jobs:feedback', ARGV[2])
end
return 1
`;

/**
 * ARGV: prefix, deliveryId, deliveryJson, payload or '', ttlSec, cap, receivedAt. Returns 1 when imported,
 * 0 if seen. The list stays newest first: readers take its head as the latest deliveries with none missing
 * (redelivery's look for lost ones), so a delivery older than the head (a migration run while the new
 * processes already take webhooks) goes where its time puts it, or nowhere if the full list is all newer.
 */
export const IMPORT_DELIVERY = `${DELIVERY_LIST}
local p = ARGV[1]
if not redis.call('SET', p .. 'imported:' .. ARGV[2], '1', 'NX', 'EX', ARGV[5]) then return 0 end
local key, cap, at = p .. 'deliveries', tonumber(ARGV[6]), ARGV[7]
local payload = ARGV[4] ~= '' and ARGV[4]
local head = redis.call('LINDEX', key, 0)
if not head or cjson.decode(head).receivedAt <= at then
  list_payload(p, ARGV[2], payload, ARGV[5])
  redis.call('LPUSH', key, ARGV[3])
  trim_deliveries(p, cap)
elseif redis.call('LLEN', key) < cap or cjson.decode(redis.call('LINDEX', key, -1)).receivedAt <= at then
  list_payload(p, ARGV[2], payload, ARGV[5])
  local placed = false
  for _, row in ipairs(redis.call('LRANGE', key, 1, -1)) do
    if cjson.decode(row).receivedAt <= at then
      redis.call('LINSERT', key, 'BEFORE', row, ARGV[3])
      placed = true
      break
    end
  end
  if not placed then redis.call('RPUSH', key, ARGV[3]) end
  trim_deliveries(p, cap)
end
return 1
`;

/**
 * Retention: deletes one final job with its listing entries, its run key and its place in the fix-loop
 * count, unless it changed since it was read (rev). Every key that grows with the number of runs goes with
 * the job, so memory follows the retention window, not the deployment's age; within the window the run
 * stays a duplicate and the attempt still counts. ARGV: prefix, id, rev, state, repo (lower-case), key,
 * repoId, fingerprint. Returns 1 when removed.
 */
export const REMOVE_JOB = `
local p = ARGV[1]
if redis.call('HGET', p .. 'job:' .. ARGV[2], 'rev') ~= ARGV[3] then return 0 end
redis.call('DEL', p .. 'job:' .. ARGV[2])
if redis.call('GET', p .. 'key:' .. ARGV[6]) == ARGV[2] then redis.call('DEL', p .. 'key:' .. ARGV[6]) end
redis.call('ZREM', p .. 'fpjobs:' .. ARGV[7] .. ':' .. ARGV[8], ARGV[2])
redis.call('ZREM', p .. 'jobs:all', ARGV[2])
redis.call('ZREM', p .. 'jobs:state:' .. ARGV[4], ARGV[2])
redis.call('ZREM', p .. 'jobs:repo:' .. ARGV[5], ARGV[2])
redis.call('ZREM', p .. 'jobs:repoid:' .. ARGV[7], ARGV[2])
redis.call('ZREM', p .. 'jobs:unfinished', ARGV[2])
redis.call('SREM', p .. 'jobs:feedback', ARGV[2])
return 1
`;

/**
 * Once per deployment: what versions before run keys and counts followed the retention window left for
 * ever. A run key whose job is gone (their compaction removed it) goes now; a fix-loop counter (fp:) gets
 * the window as its TTL, so it counts its attempts one more window. ARGV: prefix, ttlSec, then key names
 * from a SCAN of key:* and fp:*. Returns how many run keys went.
 */
export const SWEEP_LEGACY = `
local p, ttl, dropped = ARGV[1], ARGV[2], 0
for i = 3, #ARGV do
  local k = ARGV[i]
  if string.sub(k, 1, #p + 4) == p .. 'key:' then
    local id = redis.call('GET', k)
    if id and redis.call('EXISTS', p .. 'job:' .. id) == 0 then
      redis.call('DEL', k)
      dropped = dropped + 1
    end
  elseif redis.call('TTL', k) == -1 then
    redis.call('EXPIRE', k, ttl)
  end
end
return dropped
`;

/**
 * Once per deployment: puts in jobs:feedback the jobs with feedback pending that versions before the set
 * wrote, unless they changed since they were read (UPDATE_JOB keeps the set then). ARGV: prefix, then
 * pairs of job id and the revision at which it had feedback pending. Returns how many were added.
 */
export const INDEX_PENDING_FEEDBACK = `
local p, added = ARGV[1], 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', p .. 'job:' .. ARGV[i], 'rev') == ARGV[i + 1] then
    added = added + redis.call('SADD', p .. 'jobs:feedback', ARGV[i])
  end
end
return added
`;

/**
 * Puts jobs in the listings by repository that earlier versions did not keep for them, at their creation
 * score, unless retention removed them since they were read: jobs:repoid:<repoId> (versions before that
 * index), and jobs:repo:<the name the job has now> (versions before a rename moved the job there; its entry
 * under the old name stays, and listing by that name skips it). ARGV: prefix, then triples of job id,
 * repository ID and lower-case full name. Returns how many entries were added.
 */
export const INDEX_REPO_IDS = `
local p, added = ARGV[1], 0
for i = 2, #ARGV, 3 do
  local score = redis.call('HGET', p .. 'job:' .. ARGV[i], 'score')
  if score then
    added = added + redis.call('ZADD', p .. 'jobs:repoid:' .. ARGV[i + 1], score, ARGV[i])
    added = added + redis.call('ZADD', p .. 'jobs:repo:' .. ARGV[i + 2], score, ARGV[i])
  end
end
return added
`;

/** Runs a script by its SHA, loading it on first use or after a server restart (NOSCRIPT). */
export class ScriptRunner {
  readonly #shas = new Map<string, string>();
  constructor(private readonly redis: Redis) {}

  async run(script: string, args: (string | number | Buffer)[]): Promise<unknown> {
    let sha = this.#shas.get(script);
    if (!sha) {
      sha = (await this.redis.script("LOAD", script)) as string;
      this.#shas.set(script, sha);
    }
    try {
      return await this.redis.evalsha(sha, 0, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes("NOSCRIPT")) throw err;
      this.#shas.delete(script);
      return this.run(script, args);
    }
  }
}
