/*
 * agent_cache.c: the rules of the attach-info cache (C5; see agent.h).
 *
 * State: off (disable_caching or DAOS_AGENT_DISABLE_CACHE: every request
 * fetches), empty, or filled with the info of one fetch. A filled cache is
 * answered from until it expires (cache_expiration minutes after its fetch
 * started; 0 = never), a client asks for "refresh", SIGUSR2 drops it, or a
 * later fetch replaces it. The loop starts a fetch every ac_check_ms while the
 * cache is filled (the map version check), so a restart or an extension of
 * the system (a new map version) reaches clients within about one period even
 * when the cache never expires.
 *
 * Invariants (agent.h): 1. info only when enabled; 2. ac_fetched_ms is the start
 * of the fetch that produced ac_info.
 *
 * No clock and no I/O here: callers pass the time, so tests can drive it.
 */
#include <stdio.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "agent/agent.h"

void
agent_cache_init(struct agent_cache *c, bool enabled, uint64_t expire_ms, uint64_t check_ms)
{
	memset(c, 0, sizeof(*c));
	c->ac_enabled   = enabled;
	c->ac_expire_ms = expire_ms;
	c->ac_check_ms  = check_ms;
}

void
agent_cache_fini(struct agent_cache *c)
{
	json_decref(c->ac_info);
	c->ac_info = NULL;
}

static bool
cache_expired(const struct agent_cache *c, uint64_t now_ms)
{
	/* A clock that went backwards (never with CLOCK_MONOTONIC) counts as fresh. */
	return c->ac_expire_ms != 0 && now_ms >= c->ac_fetched_ms &&
	       now_ms - c->ac_fetched_ms >= c->ac_expire_ms;
}

enum agent_cache_res
agent_cache_lookup(const struct agent_cache *c, uint64_t now_ms, bool refresh)
{
	if (!c->ac_enabled || refresh)
		return AGENT_CACHE_FRESH;
	if (c->ac_info == NULL || cache_expired(c, now_ms))
		return AGENT_CACHE_MISS;
	return AGENT_CACHE_HIT;
}

bool
agent_cache_check_due(const struct agent_cache *c, uint64_t now_ms)
{
	if (!c->ac_enabled || c->ac_info == NULL || c->ac_check_ms == 0)
		return false;
	return now_ms < c->ac_checked_ms || now_ms - c->ac_checked_ms >= c->ac_check_ms;
}

void
agent_cache_started(struct agent_cache *c, uint64_t now_ms)
{
	c->ac_checked_ms = now_ms;
}

bool
agent_cache_store(struct agent_cache *c, json_t *info, uint64_t map_version, uint64_t started_ms)
{
	bool changed;

	if (!c->ac_enabled) {
		json_decref(info);
		return true;
	}
	/* An older fetch finishing after a newer one must not replace its result. */
	if (c->ac_info != NULL && started_ms < c->ac_fetched_ms) {
		json_decref(info);
		return false;
	}
	changed = c->ac_info == NULL || c->ac_map_version != map_version;
	json_decref(c->ac_info);
	c->ac_info        = info;
	c->ac_map_version = map_version;
	c->ac_fetched_ms  = started_ms;
	return changed;
}

void
agent_cache_invalidate(struct agent_cache *c)
{
	json_decref(c->ac_info);
	c->ac_info        = NULL;
	c->ac_map_version = 0;
}

int
agent_env_bool(const char *val, bool *out, char *errbuf, size_t errlen)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[]  = {"0", "f", "F", "FALSE", "false", "False"};
	char                     q[64 + 4];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	d_errbuf_printf(errbuf, errlen, "%s: '%s' is not a boolean", AGENT_ENV_DISABLE_CACHE,
			d_errbuf_quote(q, val, strlen(val), 64));
	return -DER_INVAL;
}
