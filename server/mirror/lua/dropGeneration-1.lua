-- Marks a generation as lost, for a broker that found Redis lost data it
-- wrote but cannot prove it still leads: with the generation gone, every
-- broker treats the dataset as lost and the next leader takes over with the
-- strict grace period, instead of trusting a log that is missing writes.
-- KEYS[1] generation key
-- ARGV[1] the lost generation
-- Returns {1, 1} when it was dropped, {1, 0} when it was not that generation.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {1, 1}
end
return {1, 0}
