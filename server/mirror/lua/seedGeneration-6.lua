-- Starts a new generation of the dataset: a fresh identity, an epoch above
-- every one seen, the leader lease, an empty log and a snapshot of the
-- caller's table. Used for a new deployment, by a live active broker after
-- Redis lost data (its table is the truth), and by a standby taking over
-- after such a loss.
-- KEYS[1] leader key, KEYS[2] epoch key, KEYS[3] generation key, KEYS[4] log
-- stream, KEYS[5] snapshot hash, KEYS[6] token mark
-- ARGV[1] this broker's "id url", ARGV[2] lease ms, ARGV[3] the generation it
-- replaces ('' for none), ARGV[4] the new generation, ARGV[5] the highest
-- epoch this broker has seen (its own when it leads), ARGV[6] the least token
-- mark (every token this broker may have issued is below it), ARGV[7] the
-- snapshot (msgpack)
-- Returns {1, epoch}; {0, why} when another broker seeded first, holds the
-- lease or took an epoch this broker has not seen. A generation other than
-- ARGV[3] is replaced only when its epoch is below ARGV[5]: an older copy of
-- the dataset (a rewound Redis), not a newer one.
local gen = redis.call('GET', KEYS[3])
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
local seen = tonumber(ARGV[5])
if epoch > seen then return {0, 'epoch'} end
if gen and gen ~= ARGV[3] and epoch >= seen then return {0, 'generation'} end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0, 'leader'} end
epoch = seen + 1
redis.call('SET', KEYS[3], ARGV[4])
redis.call('SET', KEYS[2], epoch)
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[4], KEYS[5])
redis.call('HSET', KEYS[5], 'id', '0-0', 'gen', ARGV[4], 'epoch', epoch, 'seq', 0, 'data', ARGV[7])
local mark = tonumber(redis.call('GET', KEYS[6]) or '0')
if mark < tonumber(ARGV[6]) then redis.call('SET', KEYS[6], ARGV[6]) end
return {1, epoch}
