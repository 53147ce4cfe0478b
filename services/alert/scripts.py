"""The Lua scripts that make story updates and alert publication atomic.

Each script touches keys of one hash slot only, so it runs unchanged on Redis Cluster:
the index keys share the tag `{<prefix>:index}`, a story's keys the tag
`{<prefix>:story:<id>}`, and the published-alert marks the tag `{<prefix>:alerts}`, whose
slot is the alerts stream's own (a key's slot is that of the text between its first braces,
and the stream's name has none).

The rules themselves stay in Python (rules.py, stories.py): a worker reads the state,
computes the new state and the alerts, and the script writes them only if nobody wrote in
between (compare-and-set on a version, or on the index entry itself), else the worker reads
again and recomputes.
"""

from __future__ import annotations

# KEYS: index hash, article memo
# ARGV: field, expected entry ("" when absent), new entry, placement, memo ttl (s), last-active
PLACE = """
local known = redis.call('GET', KEYS[2])
if known then return {'placed', known} end
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return {'conflict', ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], '__last__', ARGV[6])
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
return {'placed', ARGV[4]}
"""

# KEYS: story state hash, applied hash (article id -> its alerts), timeline list
# ARGV: article id, expected version, new state, the article's alerts (JSON array),
#       then each alert's JSON for the timeline
APPLY = """
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then return {'applied', done} end
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[2] then return {'conflict', version} end
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'version', tostring(tonumber(version) + 1))
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
for i = 5, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
return {'new', ARGV[4]}
"""

# KEYS: alerts stream, then one mark per alert
# ARGV: mark ttl (s), data field, then each alert's JSON (in KEYS' order)
# (no MAXLEN: the alerts stream is read through groups and trimmed behind the slowest one)
PUBLISH = """
local added = {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    added[#added + 1] = redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[i + 1])
  end
end
return added
"""
