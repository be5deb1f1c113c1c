-- Prepended to every script that writes for one broker (see scripts.ts), so
-- the rules of who may write live in one place.

-- A write is for the broker of one generation and one epoch. Returns nil when
-- the caller may write, else the reply the script returns:
--   {0, why}  fenced: another broker seeded a newer generation or took a newer epoch;
--   {2, what} lost: Redis no longer holds what this broker knows it wrote
--             (another generation below this broker's epoch is an older copy
--             of the dataset: a rewound Redis, not a newer broker).
local function check_owner(gen_key, epoch_key, gen, epoch)
  local g = redis.call('GET', gen_key)
  if not g then return {2, 'generation'} end
  if g ~= gen then
    if tonumber(redis.call('GET', epoch_key) or '0') < tonumber(epoch) then
      return {2, 'generation'}
    end
    return {0, 'generation'}
  end
  local e = redis.call('GET', epoch_key)
  if not e then return {2, 'epoch'} end
  e = tonumber(e)
  local mine = tonumber(epoch)
  if e < mine then return {2, 'epoch'} end
  if e > mine then return {0, 'epoch'} end
  return nil
end

-- The batch number the log ends at: its newest entry's, else the snapshot's
-- (-1 when there is neither), and the newest entry's stream id, if any.
local function log_end(log_key, snapshot_key)
  local last = redis.call('XREVRANGE', log_key, '+', '-', 'COUNT', 1)[1]
  if last then
    local fields = last[2]
    for i = 1, #fields, 2 do
      if fields[i] == 's' then return tonumber(fields[i + 1]), last[1] end
    end
  end
  return tonumber(redis.call('HGET', snapshot_key, 'seq') or '-1'), nil
end
