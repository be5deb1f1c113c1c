-- Takes the leader lease if nobody holds it (or this broker still does, after
-- a promotion that failed), and raises the epoch.
-- KEYS[1] leader key, KEYS[2] epoch key, KEYS[3] generation key
-- ARGV[1] this broker's "id url", ARGV[2] lease ms, ARGV[3] the highest epoch
-- this broker has seen (its own, the log's, the snapshot's), ARGV[4] the
-- generation this broker's table belongs to ('' for none)
-- Returns {1, epoch, note} when taken (note 'epoch' when the epoch key was
-- missing or below ARGV[3]: Redis lost it); {0, holder, lease ms left} when
-- another broker holds the lease; {3, generation} when the table must be
-- loaded from another generation first; {2, 'generation'} when there is none.
-- The epoch never goes below ARGV[3], so a Redis that lost its data cannot
-- hand out an epoch a deposed broker still believes in.
local gen = redis.call('GET', KEYS[3])
if not gen then return {2, 'generation'} end
if gen ~= ARGV[4] then return {3, gen} end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0, holder, redis.call('PTTL', KEYS[1])} end
local stored = redis.call('GET', KEYS[2])
local epoch = tonumber(stored or '0')
local seen = tonumber(ARGV[3])
local note = ''
if epoch < seen then
  note = 'epoch'
  epoch = seen
end
epoch = epoch + 1
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], epoch)
return {1, epoch, note}
