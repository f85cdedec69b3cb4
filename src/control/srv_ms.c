/*
 * srv_ms.c: daos_server's Management Service glue.
 *
 * Access points. access_points entries ("host:port") are resolved to IPv4
 * and sorted by (address, port): every server computes the same list, so a
 * replica's Raft node id is its position + 1 and its Raft address is the
 * access point's address with port + 1 (the project's port plan). This
 * server is an access point when one entry's address is local (127/8 or an
 * address of an interface) and its port is our control port.
 *
 * Raft data directory: <control_metadata.path>/control_raft when the config
 * sets control_metadata.path, else <parent of socket_dir>/control_raft (with
 * the default socket_dir: /var/run/control_raft). A tmpfs location does not
 * survive a reboot, after which the replica would forget its vote and log:
 * the server warns; production systems should set control_metadata.path.
 *
 * MS methods (system_*) are served by the leader only; srv_ms_gate() answers
 * a follower's callers -DER_NOTLEADER with "leader": "<control address>" and
 * a server that is not a replica -DER_NOTREPLICA with a hint. Every MS write
 * is an ms_cmd proposed with ms_raft_submit() from the loop; the incarnation
 * of a join and the time of every change come from the leader's HLC.
 *
 * The other direction (srv_ms_call, worker threads): joins of this server's
 * engines and STATE_CHANGE RAS events go to the leader over the control API
 * (also when this server is the leader: one code path), starting with the
 * last server that answered as leader, then every access point in order,
 * following leader hints, round after round until a deadline.
 *
 * RAS: every event of this server (its engines', its harness's, and the
 * leader's own) is written by srv_ras_log() to the control log and to syslog
 * (facility daemon; ERROR -> err, WARNING -> warning, else notice);
 * STATE_CHANGE events of the engines are also sent to the leader
 * (system_event), which applies engine_died, engine_asserted and
 * engine_self_terminated (Errored) and swim_rank_dead (Excluded) to the
 * member of the event's rank and incarnation. The leader raises
 * system_fabric_provider_changed when a known member joins again with
 * another provider in its fabric URI.
 */
#define D_LOGFAC DD_FAC(control)

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hlc.h"
#include "gurt/log.h"
#include "gurt/syslog_sink.h"
#include "control/srv_internal.h"

/* ---- Access points ---- */

static bool
ip_is_local(uint32_t ip_n, const struct ifaddrs *ifs)
{
	if ((ntohl(ip_n) >> 24) == 127)
		return true;
	for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == ip_n)
			return true;
	return false;
}

static int
ap_cmp(const void *a, const void *b)
{
	const struct srv_ap *x = a, *y = b;
	uint32_t             xi = ntohl(x->ap_ip), yi = ntohl(y->ap_ip);

	if (xi != yi)
		return xi < yi ? -1 : 1;
	return (x->ap_port > y->ap_port) - (x->ap_port < y->ap_port);
}

/* "host:port" (as normalised by the config) to an IPv4 access point. */
static int
ap_resolve(const char *entry, struct srv_ap *ap, char *errbuf, size_t errlen)
{
	struct addrinfo  hints, *res = NULL;
	const char      *colon = strrchr(entry, ':');
	char             host[D_HOSTSET_NAME_MAX + 1];
	char             ip[INET_ADDRSTRLEN];
	unsigned long    port;
	char            *end;
	size_t           hl;
	int              rc;

	if (colon == NULL || colon == entry || (hl = (size_t)(colon - entry)) >= sizeof(host)) {
		d_errbuf_printf(errbuf, errlen, "access point '%s': expected host:port", entry);
		return -DER_INVAL;
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port >= 65535) {
		/* port + 1 is the Raft port */
		d_errbuf_printf(errbuf, errlen, "access point '%s': port must be in [1, 65534]",
				entry);
		return -DER_INVAL;
	}
	memcpy(host, entry, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family   = AF_INET; /* Raft takes numeric IPv4 only */
	hints.ai_socktype = SOCK_STREAM;
	rc                = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		d_errbuf_printf(errbuf, errlen, "cannot resolve access point '%s' to an IPv4 address: %s",
				host, rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -DER_INVAL;
	}
	ap->ap_ip   = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
	ap->ap_port = (uint16_t)port;
	freeaddrinfo(res);
	inet_ntop(AF_INET, &ap->ap_ip, ip, sizeof(ip));
	snprintf(ap->ap_ctl, sizeof(ap->ap_ctl), "%s:%u", ip, ap->ap_port);
	snprintf(ap->ap_raft, sizeof(ap->ap_raft), "%s:%u", ip, ap->ap_port + 1u);
	return 0;
}

/* The local address the kernel uses to reach @ap (no packet is sent). */
static int
route_source(const struct srv_ap *ap, char *ip, size_t len)
{
	struct sockaddr_in sa, me;
	socklen_t          sl = sizeof(me);
	int                fd, rc = -DER_UNREACH;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -DER_MISC;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = ap->ap_ip;
	sa.sin_port        = htons(ap->ap_port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&me, &sl) == 0 &&
	    inet_ntop(AF_INET, &me.sin_addr, ip, (socklen_t)len) != NULL)
		rc = 0;
	close(fd);
	return rc;
}

int
srv_ms_setup(struct srv_ctx *ctx, char *errbuf, size_t errlen)
{
	const struct srv_config *cfg = ctx->sc_cfg;
	struct ifaddrs          *ifs = NULL;
	char                     ip[INET_ADDRSTRLEN];
	char                    *dot;
	int                      rc  = 0;

	if (gethostname(ctx->sc_host, sizeof(ctx->sc_host) - 1) != 0)
		snprintf(ctx->sc_host, sizeof(ctx->sc_host), "localhost");
	if (cfg->sc_fault_path != NULL) {
		d_errbuf_printf(ctx->sc_fault_domain, sizeof(ctx->sc_fault_domain), "%s",
				cfg->sc_fault_path);
	} else {
		d_errbuf_printf(ctx->sc_fault_domain, sizeof(ctx->sc_fault_domain), "/%s",
				ctx->sc_host);
		dot = strchr(ctx->sc_fault_domain, '.');
		if (dot != NULL)
			*dot = '\0';
	}

	if (cfg->sc_access_points.sl_nr == 0 || cfg->sc_access_points.sl_nr > CFG_AP_MAX) {
		d_errbuf_printf(errbuf, errlen, "access_points: expected 1 to %d entries",
				CFG_AP_MAX);
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < cfg->sc_access_points.sl_nr && rc == 0; i++)
		rc = ap_resolve(cfg->sc_access_points.sl_items[i], &ctx->sc_aps[i], errbuf, errlen);
	if (rc != 0)
		return rc;
	ctx->sc_aps_nr = cfg->sc_access_points.sl_nr;
	qsort(ctx->sc_aps, ctx->sc_aps_nr, sizeof(ctx->sc_aps[0]), ap_cmp);
	for (uint32_t i = 1; i < ctx->sc_aps_nr; i++) {
		if (ap_cmp(&ctx->sc_aps[i - 1], &ctx->sc_aps[i]) == 0) {
			d_errbuf_printf(errbuf, errlen,
					"access_points: two entries name the same address %s",
					ctx->sc_aps[i].ap_ctl);
			return -DER_INVAL;
		}
	}
	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	for (uint32_t i = 0; i < ctx->sc_aps_nr; i++) {
		if (ctx->sc_aps[i].ap_port != cfg->sc_port || !ip_is_local(ctx->sc_aps[i].ap_ip, ifs))
			continue;
		if (ctx->sc_self_ap >= 0) {
			d_errbuf_printf(errbuf, errlen,
					"access_points: %s and %s are both this server",
					ctx->sc_aps[ctx->sc_self_ap].ap_ctl, ctx->sc_aps[i].ap_ctl);
			rc = -DER_INVAL;
			break;
		}
		ctx->sc_self_ap = (int)i;
	}
	if (ifs != NULL)
		freeifaddrs(ifs);
	if (rc != 0)
		return rc;
	if (ctx->sc_self_ap >= 0) {
		snprintf(ctx->sc_ctl_addr, sizeof(ctx->sc_ctl_addr), "%s",
			 ctx->sc_aps[ctx->sc_self_ap].ap_ctl);
	} else {
		if (route_source(&ctx->sc_aps[0], ip, sizeof(ip)) != 0)
			snprintf(ip, sizeof(ip), "127.0.0.1");
		snprintf(ctx->sc_ctl_addr, sizeof(ctx->sc_ctl_addr), "%s:%u", ip, cfg->sc_port);
	}
	D_INFO("control address %s, fault domain %s, %u access points%s\n", ctx->sc_ctl_addr,
	       ctx->sc_fault_domain, ctx->sc_aps_nr,
	       ctx->sc_self_ap >= 0 ? " (this server is one)" : "");
	return 0;
}

void
srv_bind_addr(const struct srv_ctx *ctx, char *ip, size_t len)
{
	struct in_addr a;
	char           host[INET_ADDRSTRLEN];

	snprintf(ip, len, "0.0.0.0");
	if (ms_addr_host(ctx->sc_ctl_addr, host, sizeof(host)) == 0 &&
	    inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127)
		snprintf(ip, len, "%s", host);
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int
mkdir_p(const char *path, char *errbuf, size_t errlen)
{
	char buf[CFG_PATH_MAX + 1];
	int  n = snprintf(buf, sizeof(buf), "%s", path);

	if (n <= 0 || (size_t)n >= sizeof(buf) || buf[0] != '/') {
		d_errbuf_printf(errbuf, errlen, "bad directory '%s'", path);
		return -DER_INVAL;
	}
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			d_errbuf_printf(errbuf, errlen, "cannot create %s: %s", buf, strerror(errno));
			return errno == EACCES ? -DER_NO_PERM : -DER_IO;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static void
ms_leader_cb(void *arg, bool is_leader, uint64_t leader_id, const char *leader_addr)
{
	struct srv_ctx *ctx = arg;

	(void)leader_addr;
	if (is_leader)
		D_NOTE("this server is now the MS leader\n");
	else if (leader_id > 0 && leader_id <= ctx->sc_aps_nr)
		D_INFO("MS leader is %s\n", ctx->sc_aps[leader_id - 1].ap_ctl);
	else
		D_INFO("no MS leader known (election)\n");
}

static void
ms_ras_cb(const struct d_ras_event *ev, void *arg)
{
	(void)arg;
	srv_ras_log(ev);
}

int
srv_ms_start(struct srv_ctx *ctx, char *errbuf, size_t errlen)
{
	const struct srv_config *cfg = ctx->sc_cfg;
	struct ms_raft_peer      peers[CFG_AP_MAX];
	struct ms_raft_cfg       rc_cfg;
	struct statfs            sfs;
	char                     parent[CFG_PATH_MAX + 1];
	char                    *slash;
	int                      n, rc;

	if (ctx->sc_self_ap < 0)
		return 0;
	if (cfg->sc_ctl_metadata.cm_path != NULL) {
		n = snprintf(ctx->sc_raft_dir, sizeof(ctx->sc_raft_dir), "%s/control_raft",
			     cfg->sc_ctl_metadata.cm_path);
	} else {
		snprintf(parent, sizeof(parent), "%s", cfg->sc_socket_dir);
		slash = strrchr(parent, '/');
		if (slash != NULL && slash != parent)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), "/");
		n = snprintf(ctx->sc_raft_dir, sizeof(ctx->sc_raft_dir), "%s/control_raft",
			     strcmp(parent, "/") == 0 ? "" : parent);
	}
	if (n < 0 || (size_t)n >= sizeof(ctx->sc_raft_dir)) {
		d_errbuf_printf(errbuf, errlen, "MS data directory path is too long");
		return -DER_INVAL;
	}
	rc = mkdir_p(ctx->sc_raft_dir, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (statfs(ctx->sc_raft_dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC)
		D_WARN("MS data directory %s is on tmpfs and will not survive a reboot: set "
		       "control_metadata.path\n",
		       ctx->sc_raft_dir);
	rc = ms_db_create(cfg->sc_name, &ctx->sc_db, errbuf, errlen);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < ctx->sc_aps_nr; i++) {
		peers[i].rp_id   = i + 1;
		peers[i].rp_addr = ctx->sc_aps[i].ap_raft;
	}
	memset(&rc_cfg, 0, sizeof(rc_cfg));
	rc_cfg.rc_loop      = &ctx->sc_loop;
	rc_cfg.rc_id        = (uint64_t)ctx->sc_self_ap + 1;
	rc_cfg.rc_addr      = ctx->sc_aps[ctx->sc_self_ap].ap_raft;
	rc_cfg.rc_voters    = peers;
	rc_cfg.rc_nr_voters = ctx->sc_aps_nr;
	rc_cfg.rc_dir       = ctx->sc_raft_dir;
	rc_cfg.rc_db        = ctx->sc_db;
	rc_cfg.rc_leader_cb = ms_leader_cb;
	rc_cfg.rc_ras_cb    = ms_ras_cb;
	rc_cfg.rc_cb_arg    = ctx;
	rc = ms_raft_start(&rc_cfg, &ctx->sc_raft, errbuf, errlen);
	if (rc != 0)
		return rc;
	D_NOTE("MS replica %d of %u at %s (raft %s, data %s)\n", ctx->sc_self_ap + 1,
	       ctx->sc_aps_nr, ctx->sc_ctl_addr, rc_cfg.rc_addr, ctx->sc_raft_dir);
	return 0;
}

/* ---- Leader gate and hints ---- */

static void
hint_get(struct srv_ctx *ctx, char *buf, size_t len)
{
	pthread_mutex_lock(&ctx->sc_hint_lock);
	snprintf(buf, len, "%s", ctx->sc_hint);
	pthread_mutex_unlock(&ctx->sc_hint_lock);
}

static void
hint_set(struct srv_ctx *ctx, const char *addr)
{
	pthread_mutex_lock(&ctx->sc_hint_lock);
	snprintf(ctx->sc_hint, sizeof(ctx->sc_hint), "%s", addr);
	pthread_mutex_unlock(&ctx->sc_hint_lock);
}

/* Control address of the leader this replica knows, or NULL. */
static const char *
leader_ctl(struct srv_ctx *ctx)
{
	uint64_t id;

	if (ctx->sc_raft == NULL || ms_raft_leader(ctx->sc_raft, &id, NULL, 0) != 0 || id == 0 ||
	    id > ctx->sc_aps_nr)
		return NULL;
	return ctx->sc_aps[id - 1].ap_ctl;
}

int
srv_ms_gate(struct srv_ctx *ctx, struct srv_call *call)
{
	const char *leader;
	char        hint[SRV_ADDR_MAX];

	if (ctx->sc_raft == NULL) {
		hint_get(ctx, hint, sizeof(hint));
		if (hint[0] == '\0')
			snprintf(hint, sizeof(hint), "%s", ctx->sc_aps[0].ap_ctl);
		srv_reply_error_extra(call, -DER_NOTREPLICA, json_pack("{s:s}", "leader", hint),
				      "%s is not an access point: ask %s", ctx->sc_ctl_addr, hint);
		return -DER_NOTREPLICA;
	}
	if (ms_raft_is_leader(ctx->sc_raft))
		return 0;
	leader = leader_ctl(ctx);
	if (leader == NULL) {
		srv_reply_error(call, -DER_NOTLEADER, "no MS leader elected yet: try again");
		return -DER_NOTLEADER;
	}
	srv_reply_error_extra(call, -DER_NOTLEADER, json_pack("{s:s}", "leader", leader),
			      "not the MS leader: the leader is %s", leader);
	return -DER_NOTLEADER;
}

/* ---- MS client (worker threads) ---- */

static bool
ms_retryable(int rc)
{
	return rc == -DER_UNREACH || rc == -DER_TIMEDOUT || rc == -DER_NOTLEADER ||
	       rc == -DER_NOTREPLICA || rc == -DER_SHUTDOWN || rc == -DER_AGAIN;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The "leader" hint of an error reply, when usable. */
static bool
reply_hint(const json_t *r, const char *from, char *buf, size_t len)
{
	const json_t *v = json_object_get(r, "leader");
	const char   *s;

	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	if (strlen(s) == 0 || strlen(s) >= len || strchr(s, ':') == NULL || strcmp(s, from) == 0)
		return false;
	snprintf(buf, len, "%s", s);
	return true;
}

int
srv_ms_call(struct srv_ctx *ctx, struct ctl_http_client *cl, const char *method, json_t *body,
	    uint32_t total_ms, json_t **reply, char *errbuf, size_t errlen)
{
	char     cands[CFG_AP_MAX + 1][SRV_ADDR_MAX];
	char     last[SRV_MSG_MAX + SRV_ADDR_MAX] = "no access point answered";
	uint32_t n     = 0;
	uint64_t start = mono_ms();
	int      rc    = -DER_TIMEDOUT;

	*reply = NULL;
	hint_get(ctx, cands[0], sizeof(cands[0]));
	if (cands[0][0] != '\0')
		n++;
	for (uint32_t i = 0; i < ctx->sc_aps_nr; i++)
		if (n == 0 || strcmp(cands[0], ctx->sc_aps[i].ap_ctl) != 0)
			snprintf(cands[n++], sizeof(cands[0]), "%s", ctx->sc_aps[i].ap_ctl);
	for (;;) {
		uint64_t elapsed;

		for (uint32_t c = 0; c < n; c++) {
			char     target[SRV_ADDR_MAX];
			uint32_t hops = 0;

			if (ctx->sc_stopping) {
				d_errbuf_printf(errbuf, errlen, "server is shutting down");
				return -DER_SHUTDOWN;
			}
			memcpy(target, cands[c], sizeof(target));
			for (;;) {
				json_t *r = NULL;
				char    msg[SRV_MSG_MAX];
				char    next[SRV_ADDR_MAX];

				rc = ctl_http_call(cl, target, method, body, &r, msg, sizeof(msg));
				if (rc == 0) {
					hint_set(ctx, target);
					*reply = r;
					return 0;
				}
				d_errbuf_printf(last, sizeof(last), "%s: %s", target, msg);
				if ((rc == -DER_NOTLEADER || rc == -DER_NOTREPLICA) &&
				    hops < SRV_MS_HOPS_MAX && reply_hint(r, target, next, sizeof(next))) {
					json_decref(r);
					snprintf(target, sizeof(target), "%s", next);
					hops++;
					continue;
				}
				json_decref(r);
				break;
			}
			if (!ms_retryable(rc)) {
				d_errbuf_printf(errbuf, errlen, "%s", last);
				return rc;
			}
		}
		elapsed = mono_ms() - start;
		if (elapsed >= total_ms)
			break;
		usleep(1000 * (useconds_t)(total_ms - elapsed < SRV_MS_RETRY_MS ? total_ms - elapsed
										: SRV_MS_RETRY_MS));
	}
	d_errbuf_printf(errbuf, errlen, "no MS leader answered %s within %u s (last: %s)", method,
			total_ms / 1000, last);
	return rc;
}

int
srv_ms_submit(struct srv_ctx *ctx, const struct ms_cmd *cmd, ms_raft_apply_cb cb, void *arg,
	      char *errbuf, size_t errlen)
{
	void  *buf;
	size_t len;
	int    rc;

	if (ctx->sc_raft == NULL) {
		d_errbuf_printf(errbuf, errlen, "this server is not an MS replica");
		return -DER_NOTREPLICA;
	}
	rc = ms_cmd_encode(cmd, &buf, &len, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = ms_raft_submit(ctx->sc_raft, buf, len, cb, arg);
	free(buf);
	if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "cannot propose the MS change: %s", d_errdesc(rc));
	return rc;
}

/* ---- Members ---- */

json_t *
srv_member_json(const struct ms_member *m)
{
	const char *state = ms_state_name(m->mm_state);
	char        uuid[37];

	uuid_unparse_lower(m->mm_uuid, uuid);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I}", "rank",
			 (json_int_t)m->mm_rank, "uuid", uuid, "ctl_addr", m->mm_ctl_addr,
			 "fabric_uri", m->mm_fabric_uri, "fault_domain", m->mm_fault_domain,
			 "targets", (int)m->mm_nr_targets, "state",
			 state != NULL ? state : "Unknown", "reason", m->mm_reason, "incarnation",
			 (json_int_t)m->mm_incarnation, "last_update",
			 (json_int_t)m->mm_last_update);
}

/* Whether host entry @h names member @m: its whole control address or its host. */
static bool
host_names_member(const char *h, const struct ms_member *m)
{
	char host[SRV_ADDR_MAX];

	if (strcmp(h, m->mm_ctl_addr) == 0)
		return true;
	return ms_addr_host(m->mm_ctl_addr, host, sizeof(host)) == 0 && strcmp(h, host) == 0;
}

bool
srv_member_selected(const struct ms_member *m, const struct d_rankset *ranks,
		    const struct d_hostset *hosts)
{
	if (ranks != NULL && !d_rankset_contains(ranks, m->mm_rank))
		return false;
	if (hosts == NULL)
		return true;
	for (uint32_t i = 0; i < hosts->hs_nr; i++)
		if (host_names_member(hosts->hs_hosts[i].he_name, m))
			return true;
	return false;
}

/* ---- get_attach_info (docs/design.md, C4) ---- */

/* The reply: the system map as clients need it, read after a barrier. */
struct attach_op {
	struct srv_ctx  *ao_ctx;
	struct srv_call *ao_call;
};

static void
attach_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct attach_op        *op   = arg;
	struct srv_call         *call = op->ao_call;
	struct srv_ctx          *ctx  = op->ao_ctx;
	const struct srv_config *cfg  = ctx->sc_cfg;
	struct ms_member        *m    = NULL;
	uint32_t                 nr   = 0;
	json_t                  *r, *ranks, *aps;

	(void)res;
	free(op);
	if (rc != 0) {
		srv_reply_error(call, rc, "MS read barrier failed: %s", d_errdesc(rc));
		return;
	}
	ranks = json_array();
	aps   = json_array();
	r     = json_pack("{s:s, s:s, s:o, s:I, s:o}", "sys_name", cfg->sc_name, "provider",
			  cfg->sc_provider != NULL ? cfg->sc_provider : "ofi+tcp", "access_points",
			  aps, "map_version", (json_int_t)ms_db_map_version(ctx->sc_db), "ranks",
			  ranks);
	rc = r == NULL ? -DER_NOMEM : ms_db_members(ctx->sc_db, NULL, &m, &nr);
	for (uint32_t i = 0; rc == 0 && i < cfg->sc_access_points.sl_nr; i++)
		if (json_array_append_new(aps, json_string(cfg->sc_access_points.sl_items[i])) != 0)
			rc = -DER_NOMEM;
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		const char *state = ms_state_name(m[i].mm_state);
		json_t     *e;

		e = json_pack("{s:I, s:s, s:i, s:s}", "rank", (json_int_t)m[i].mm_rank, "uri",
			      m[i].mm_fabric_uri, "targets", (int)m[i].mm_nr_targets, "state",
			      state != NULL ? state : "Unknown");
		if (json_array_append_new(ranks, e) != 0)
			rc = -DER_NOMEM;
	}
	free(m);
	if (rc != 0) {
		json_decref(r);
		srv_reply_error(call, rc, "out of memory");
	} else {
		srv_reply(call, r);
	}
}

void
srv_h_get_attach_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct ms_cmd     cmd = {.mc_op = MS_CMD_NOOP};
	struct attach_op *op;
	char              err[SRV_MSG_MAX];
	int               rc;

	(void)body;
	op = malloc(sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->ao_ctx  = ctx;
	op->ao_call = call;
	rc = srv_ms_submit(ctx, &cmd, attach_cb, op, err, sizeof(err));
	if (rc != 0) {
		free(op);
		srv_reply_error(call, rc, "%s", err);
	}
}

/* ---- system_query ---- */

struct sysq_op {
	struct srv_ctx  *sq_ctx;
	struct srv_call *sq_call;
	struct d_rankset sq_ranks;
	struct d_hostset sq_hosts;
	bool             sq_has_ranks;
	bool             sq_has_hosts;
};

static void
sysq_free(struct sysq_op *op)
{
	d_rankset_fini(&op->sq_ranks);
	d_hostset_fini(&op->sq_hosts);
	free(op);
}

/* absent_ranks / absent_hosts of a selection against the members. */
static int
sysq_absent(struct sysq_op *op, const struct ms_member *m, uint32_t nr, json_t *r)
{
	struct d_rankset present, absent;
	struct d_hostset gone;
	char            *text = NULL;
	int              rc   = 0;

	d_rankset_init(&present);
	d_rankset_init(&absent);
	d_hostset_init(&gone);
	if (op->sq_has_ranks) {
		for (uint32_t i = 0; i < nr && rc == 0; i++)
			rc = d_rankset_add(&present, m[i].mm_rank);
		if (rc == 0)
			rc = d_rankset_subtract(&absent, &op->sq_ranks, &present);
		if (rc == 0 && d_rankset_count(&absent) > 0) {
			text = srv_rankset_str(&absent);
			rc   = text == NULL ? -DER_NOMEM
					    : json_object_set_new(r, "absent_ranks", json_string(text));
			free(text);
		}
	}
	for (uint32_t h = 0; op->sq_has_hosts && rc == 0 && h < op->sq_hosts.hs_nr; h++) {
		const char *name  = op->sq_hosts.hs_hosts[h].he_name;
		bool        found = false;

		for (uint32_t i = 0; i < nr && !found; i++)
			found = host_names_member(name, &m[i]);
		if (!found)
			rc = d_hostset_add(&gone, name);
	}
	if (rc == 0 && d_hostset_count(&gone) > 0) {
		size_t len = d_hostset_format_len(&gone);

		text = malloc(len);
		if (text == NULL || d_hostset_format(&gone, text, len) != 0)
			rc = -DER_NOMEM;
		else
			rc = json_object_set_new(r, "absent_hosts", json_string(text));
		free(text);
	}
	d_rankset_fini(&present);
	d_rankset_fini(&absent);
	d_hostset_fini(&gone);
	return rc != 0 ? -DER_NOMEM : 0;
}

static void
sysq_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct sysq_op   *op  = arg;
	struct srv_ctx   *ctx = op->sq_ctx;
	struct ms_member *m   = NULL;
	uint32_t          nr  = 0;
	json_t           *r, *arr;

	(void)res;
	if (rc != 0) {
		srv_reply_error(op->sq_call, rc, "MS read barrier failed: %s", d_errdesc(rc));
		sysq_free(op);
		return;
	}
	arr = json_array();
	r   = json_pack("{s:o, s:I}", "members", arr, "map_version",
			(json_int_t)ms_db_map_version(ctx->sc_db));
	rc  = r == NULL ? -DER_NOMEM : ms_db_members(ctx->sc_db, NULL, &m, &nr);
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		if (!srv_member_selected(&m[i], op->sq_has_ranks ? &op->sq_ranks : NULL,
					 op->sq_has_hosts ? &op->sq_hosts : NULL))
			continue;
		if (json_array_append_new(arr, srv_member_json(&m[i])) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == 0)
		rc = sysq_absent(op, m, nr, r);
	free(m);
	if (rc != 0) {
		json_decref(r);
		srv_reply_error(op->sq_call, rc, "out of memory");
	} else {
		srv_reply(op->sq_call, r);
	}
	sysq_free(op);
}

void
srv_h_system_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct sysq_op *op;
	struct ms_cmd   cmd = {.mc_op = MS_CMD_NOOP};
	char            err[SRV_MSG_MAX];
	int             rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->sq_ctx  = ctx;
	op->sq_call = call;
	d_rankset_init(&op->sq_ranks);
	d_hostset_init(&op->sq_hosts);
	rc = srv_body_ranks(body, "ranks", &op->sq_ranks, &op->sq_has_ranks, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_hosts(body, "hosts", &op->sq_hosts, &op->sq_has_hosts, err,
				    sizeof(err));
	/* A no-op through the log first: the reply reflects every change
	 * committed before it, even right after an election. */
	if (rc == 0)
		rc = srv_ms_submit(ctx, &cmd, sysq_cb, op, err, sizeof(err));
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", err);
		sysq_free(op);
	}
}

/* ---- system_leader_query ---- */

struct lq_op {
	struct srv_call *lq_call;
	json_t          *lq_reply;
	bool             lq_down[CFG_AP_MAX];
};

static void
lq_work(struct srv_ctx *ctx, void *arg)
{
	struct lq_op           *op = arg;
	struct ctl_http_client *cl;
	char                    err[SRV_MSG_MAX];

	cl = srv_client_new(ctx, SRV_PROBE_TIMEOUT_MS, err, sizeof(err));
	for (uint32_t i = 0; i < ctx->sc_aps_nr; i++) {
		json_t *r  = NULL;
		int     rc = -DER_UNREACH;

		if ((int)i == ctx->sc_self_ap)
			continue;
		if (cl != NULL)
			rc = ctl_http_call(cl, ctx->sc_aps[i].ap_ctl, "server_info", NULL, &r, err,
					   sizeof(err));
		/* Any answer, even an error, comes from a live server. */
		op->lq_down[i] = rc != 0 && r == NULL;
		json_decref(r);
	}
	ctl_http_client_destroy(cl);
}

static void
lq_done(struct srv_ctx *ctx, void *arg)
{
	struct lq_op *op   = arg;
	json_t       *down = json_array();

	for (uint32_t i = 0; down != NULL && i < ctx->sc_aps_nr; i++)
		if (op->lq_down[i])
			json_array_append_new(down, json_string(ctx->sc_aps[i].ap_ctl));
	if (down == NULL || json_object_set_new(op->lq_reply, "down_replicas", down) != 0) {
		json_decref(op->lq_reply);
		srv_reply_error(op->lq_call, -DER_NOMEM, "out of memory");
	} else {
		srv_reply(op->lq_call, op->lq_reply);
	}
	free(op);
}

void
srv_h_system_leader_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	const char   *leader;
	struct lq_op *op;
	json_t       *replicas;

	(void)body;
	if (ctx->sc_raft == NULL) {
		srv_ms_gate(ctx, call); /* answers -DER_NOTREPLICA with a hint */
		return;
	}
	leader   = leader_ctl(ctx);
	replicas = json_array();
	op       = calloc(1, sizeof(*op));
	if (op == NULL || replicas == NULL) {
		free(op);
		json_decref(replicas);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < ctx->sc_aps_nr; i++)
		json_array_append_new(replicas, json_string(ctx->sc_aps[i].ap_ctl));
	op->lq_call  = call;
	op->lq_reply = json_pack("{s:s, s:o}", "leader", leader != NULL ? leader : "", "replicas",
				 replicas);
	if (op->lq_reply == NULL) {
		free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	/* Probe the other replicas from a worker (they may be down: timeouts). */
	if (srv_job_start(ctx, lq_work, lq_done, op) != 0)
		lq_done(ctx, op);
}

/* ---- system_join ---- */

/* A join in flight; jo_uri_old is set when the member had another provider. */
struct join_op {
	struct srv_call *jo_call;
	char             jo_uri_old[MS_FABRIC_URI_MAX];
	char             jo_uri_new[MS_FABRIC_URI_MAX];
};

/* The provider part of a fabric URI ("ofi+tcp;ofi_rxm" of "ofi+tcp;ofi_rxm://1.2.3.4:5"). */
static void
uri_provider(const char *uri, char *buf, size_t len)
{
	const char *sep = strstr(uri, "://");
	size_t      n   = sep != NULL ? (size_t)(sep - uri) : strlen(uri);

	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), uri);
}

static void
join_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct join_op  *op   = arg;
	struct srv_call *call = op->jo_call;

	if (rc == 0) {
		D_NOTE("rank %u joined (incarnation %llu, map version %llu)\n", res->mr_rank,
		       (unsigned long long)res->mr_inc, (unsigned long long)res->mr_map_version);
		if (op->jo_uri_old[0] != '\0') {
			struct d_ras_event ev;
			char               po[MS_FABRIC_URI_MAX], pn[MS_FABRIC_URI_MAX];
			char               text[2 * MS_FABRIC_URI_MAX + 64];

			uri_provider(op->jo_uri_old, po, sizeof(po));
			uri_provider(op->jo_uri_new, pn, sizeof(pn));
			snprintf(text, sizeof(text), "System fabric provider changed: %s -> %s", po,
				 pn);
			if (d_ras_event_init(&ev, RAS_SYSTEM_FABRIC_PROVIDER_CHANGED, text) == 0) {
				d_ras_event_set_rank(&ev, res->mr_rank);
				d_ras_event_set_inc(&ev, res->mr_inc);
				snprintf(text, sizeof(text), "rank %u fabric URI %s -> %s",
					 res->mr_rank, op->jo_uri_old, op->jo_uri_new);
				d_ras_event_set_data(&ev, text);
				srv_ras_log(&ev);
			}
		}
		srv_reply(call, json_pack("{s:I, s:I, s:I}", "rank", (json_int_t)res->mr_rank,
					  "incarnation", (json_int_t)res->mr_inc, "map_version",
					  (json_int_t)res->mr_map_version));
	} else if (res != NULL) {
		D_ERROR("join refused: %s: " DF_RC "\n", res->mr_msg, DP_RC(rc));
		srv_reply_error(call, rc, "join refused: %s", res->mr_msg);
	} else {
		srv_reply_error(call, rc, "MS leadership changed during the join: %s",
				d_errdesc(rc));
	}
	free(op);
}

void
srv_h_system_join(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct ms_cmd    cmd = {.mc_op = MS_CMD_JOIN};
	struct ms_member known;
	struct join_op  *op;
	const char      *uuid = NULL;
	char          err[SRV_MSG_MAX];
	int64_t       targets = 0, rank = 0;
	bool          has_targets = false, has_rank = false, replace = false;
	int           rc;

	rc = srv_body_str(body, "uuid", true, 36, &uuid, err, sizeof(err));
	if (rc == 0 && uuid_parse(uuid, cmd.mc_uuid) != 0) {
		snprintf(err, sizeof(err), "uuid: not a UUID");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_str(body, "ctl_addr", true, MS_CTL_ADDR_MAX - 1, &cmd.mc_ctl_addr, err,
				  sizeof(err));
	if (rc == 0)
		rc = srv_body_str(body, "fabric_uri", true, MS_FABRIC_URI_MAX - 1,
				  &cmd.mc_fabric_uri, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_str(body, "fault_domain", true, MS_FAULT_DOMAIN_MAX - 1,
				  &cmd.mc_fault_domain, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_int(body, "targets", 0, MS_TARGETS_MAX, &targets, &has_targets, err,
				  sizeof(err));
	if (rc == 0)
		rc = srv_body_int(body, "rank", 0, D_RANK_MAX, &rank, &has_rank, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_bool(body, "replace", &replace, err, sizeof(err));
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", err);
		return;
	}
	cmd.mc_rank       = has_rank ? (uint32_t)rank : D_RANK_NIL;
	cmd.mc_replace    = replace;
	cmd.mc_nr_targets = (uint32_t)targets;
	/* The incarnation comes from the leader's clock (ms_db keeps it growing). */
	cmd.mc_inc  = d_hlc_get();
	cmd.mc_time = d_hlc_get();
	op          = calloc(1, sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->jo_call = call;
	/* A known member coming back with another provider: raised once the join applies. */
	if (ms_db_member_by_uuid(ctx->sc_db, cmd.mc_uuid, &known) == 0) {
		char po[MS_FABRIC_URI_MAX], pn[MS_FABRIC_URI_MAX];

		uri_provider(known.mm_fabric_uri, po, sizeof(po));
		uri_provider(cmd.mc_fabric_uri, pn, sizeof(pn));
		if (strcmp(po, pn) != 0) {
			snprintf(op->jo_uri_old, sizeof(op->jo_uri_old), "%s", known.mm_fabric_uri);
			snprintf(op->jo_uri_new, sizeof(op->jo_uri_new), "%s", cmd.mc_fabric_uri);
		}
	}
	rc = srv_ms_submit(ctx, &cmd, join_cb, op, err, sizeof(err));
	if (rc != 0) {
		free(op);
		srv_reply_error(call, rc, "%s", err);
	}
}

/* ---- system_event ---- */

struct ev_op {
	struct srv_call *eo_call;
	char             eo_id[D_RAS_ID_MAX];
	uint32_t         eo_rank;
};

static void
event_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct ev_op *op = arg;

	if (rc == 0) {
		D_INFO("RAS %s: rank %u state updated\n", op->eo_id, op->eo_rank);
		srv_reply(op->eo_call, json_pack("{s:b}", "applied", res->mr_changed > 0));
	} else if (res != NULL && (rc == -DER_STALE || rc == -DER_NONEXIST)) {
		/* An old incarnation's event, or an unknown rank: nothing to change. */
		D_INFO("RAS %s for rank %u ignored: %s\n", op->eo_id, op->eo_rank, res->mr_msg);
		srv_reply(op->eo_call, json_pack("{s:b, s:s}", "applied", 0, "reason", res->mr_msg));
	} else {
		srv_reply_error(op->eo_call, rc, "%s",
				res != NULL ? res->mr_msg : "MS leadership changed: retry");
	}
	free(op);
}

void
srv_h_system_event(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct d_ras_event ev;
	struct d_rankset   ranks;
	struct ms_cmd      cmd = {.mc_op = MS_CMD_SET_STATE};
	struct ev_op      *op;
	json_t            *v = json_object_get(body, "event");
	char              *text;
	char               err[SRV_MSG_MAX];
	int                rc;

	if (!json_is_object(v)) {
		srv_reply_error(call, -DER_INVAL, "event: expected a RAS event object");
		return;
	}
	text = json_dumps(v, JSON_COMPACT);
	if (text == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	rc = d_ras_event_from_json(text, strlen(text), &ev, err, sizeof(err));
	free(text);
	if (rc != 0) {
		srv_reply_error(call, rc, "event: %s", err);
		return;
	}
	switch (ev.ev_id) {
	case RAS_ENGINE_DIED:
	case RAS_ENGINE_ASSERTED:
	case RAS_ENGINE_SELF_TERMINATED:
		cmd.mc_state = MS_STATE_ERRORED;
		break;
	case RAS_SWIM_RANK_DEAD:
		cmd.mc_state = MS_STATE_EXCLUDED;
		break;
	default:
		cmd.mc_state = 0;
		break;
	}
	if (ev.ev_type != RAS_TYPE_STATE_CHANGE || !(ev.ev_flags & D_RAS_F_RANK) ||
	    cmd.mc_state == 0) {
		srv_reply(call, json_pack("{s:b}", "applied", 0));
		return;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->eo_call = call;
	op->eo_rank = ev.ev_rank;
	snprintf(op->eo_id, sizeof(op->eo_id), "%s", ev.ev_id_str);
	d_rankset_init(&ranks);
	rc = d_rankset_add(&ranks, ev.ev_rank);
	if (rc == 0) {
		cmd.mc_ranks  = &ranks;
		cmd.mc_from   = MS_STATE_ALL & ~MS_STATE_ADMIN_EXCLUDED;
		cmd.mc_reason = ev.ev_msg;
		/* With the incarnation, an event of an earlier life is -DER_STALE. */
		cmd.mc_inc  = (ev.ev_flags & D_RAS_F_INC) ? ev.ev_inc : 0;
		cmd.mc_time = d_hlc_get();
		rc          = srv_ms_submit(ctx, &cmd, event_cb, op, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "out of memory");
	}
	d_rankset_fini(&ranks);
	if (rc != 0) {
		free(op);
		srv_reply_error(call, rc, "%s", err);
	}
}

/* ---- Harness callbacks: joins and RAS ---- */

void
srv_ras_log(const struct d_ras_event *ev)
{
	char line[D_RAS_LINE_MAX];

	if (d_ras_event_format(ev, D_RAS_FORM_CONTROL, line, sizeof(line)) != 0) {
		D_ERROR("RAS event %s could not be formatted\n", ev->ev_id_str);
		return;
	}
	switch (ev->ev_sev) {
	case RAS_SEV_ERROR:
		D_ERROR("%s\n", line);
		(void)d_syslog(LOG_ERR, "%s", line);
		break;
	case RAS_SEV_WARNING:
		D_WARN("%s\n", line);
		(void)d_syslog(LOG_WARNING, "%s", line);
		break;
	default:
		D_NOTE("%s\n", line);
		(void)d_syslog(LOG_NOTICE, "%s", line);
		break;
	}
}

struct join_job {
	uint32_t jj_idx;
	uint32_t jj_starts; /* the engine life that asked */
	json_t  *jj_body;
	int      jj_rc;
	char     jj_err[SRV_MSG_MAX + SRV_ADDR_MAX];
	uint32_t jj_rank;
	uint64_t jj_inc;
	uint64_t jj_map_version;
};

static void
join_work(struct srv_ctx *ctx, void *arg)
{
	struct join_job        *jj = arg;
	struct ctl_http_client *cl;
	json_t                 *r = NULL;

	cl = srv_client_new(ctx, SRV_MS_CALL_TIMEOUT_MS, jj->jj_err, sizeof(jj->jj_err));
	if (cl == NULL) {
		jj->jj_rc = -DER_NO_CERT;
		return;
	}
	jj->jj_rc = srv_ms_call(ctx, cl, "system_join", jj->jj_body, SRV_JOIN_TIMEOUT_MS, &r,
				jj->jj_err, sizeof(jj->jj_err));
	ctl_http_client_destroy(cl);
	if (jj->jj_rc != 0)
		return;
	{
		json_t *rank = json_object_get(r, "rank");
		json_t *inc  = json_object_get(r, "incarnation");
		json_t *mv   = json_object_get(r, "map_version");

		if (!json_is_integer(rank) || json_integer_value(rank) < 0 ||
		    json_integer_value(rank) > D_RANK_MAX || !json_is_integer(inc) ||
		    json_integer_value(inc) <= 0 || !json_is_integer(mv) ||
		    json_integer_value(mv) < 0) {
			jj->jj_rc = -DER_PROTO;
			snprintf(jj->jj_err, sizeof(jj->jj_err),
				 "invalid system_join reply: rank, incarnation or map_version");
		} else {
			jj->jj_rank        = (uint32_t)json_integer_value(rank);
			jj->jj_inc         = (uint64_t)json_integer_value(inc);
			jj->jj_map_version = (uint64_t)json_integer_value(mv);
		}
	}
	json_decref(r);
}

static void
join_done(struct srv_ctx *ctx, void *arg)
{
	struct join_job       *jj = arg;
	struct srv_engine_info info;
	int                    rc;

	if (ctx->sc_harness == NULL ||
	    srv_harness_engine_info(ctx->sc_harness, jj->jj_idx, &info) != 0 ||
	    info.ei_starts != jj->jj_starts) {
		D_INFO("engine %u: join answer for an earlier life dropped\n", jj->jj_idx);
		goto out;
	}
	if (jj->jj_rc == 0) {
		rc = srv_harness_join_reply(ctx->sc_harness, jj->jj_idx, 0, jj->jj_rank, jj->jj_inc,
					    jj->jj_map_version, NULL);
		if (rc == 0)
			ctx->sc_eng_rank[jj->jj_idx] = jj->jj_rank;
	} else {
		D_ERROR("engine %u: join failed: %s\n", jj->jj_idx, jj->jj_err);
		rc = srv_harness_join_reply(ctx->sc_harness, jj->jj_idx, jj->jj_rc, 0, 0, 0,
					    jj->jj_err);
	}
	if (rc != 0)
		D_INFO("engine %u: join answer not delivered (engine %s): " DF_RC "\n", jj->jj_idx,
		       srv_engine_state_name(info.ei_state), DP_RC(rc));
out:
	json_decref(jj->jj_body);
	free(jj);
}

void
srv_ho_join(void *arg, uint32_t idx, const struct srv_join_req *req)
{
	struct srv_ctx        *ctx = arg;
	struct srv_engine_info info;
	struct join_job       *jj;
	char                   uuid[37];
	int                    rc = -DER_NOMEM;

	jj = calloc(1, sizeof(*jj));
	if (jj == NULL)
		goto fail;
	uuid_unparse_lower(req->jr_uuid, uuid);
	jj->jj_idx  = idx;
	jj->jj_body = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "uuid", uuid, "ctl_addr",
				ctx->sc_ctl_addr, "fabric_uri", req->jr_fabric_uri, "fault_domain",
				ctx->sc_fault_domain, "targets", (int)req->jr_targets, "idx",
				(int)idx);
	if (jj->jj_body == NULL)
		goto fail;
	if (req->jr_rank != D_RANK_NIL &&
	    json_object_set_new(jj->jj_body, "rank", json_integer(req->jr_rank)) != 0)
		goto fail;
	if (req->jr_rank != D_RANK_NIL && req->jr_replace &&
	    json_object_set_new(jj->jj_body, "replace", json_true()) != 0)
		goto fail;
	if (srv_harness_engine_info(ctx->sc_harness, idx, &info) == 0)
		jj->jj_starts = info.ei_starts;
	D_INFO("engine %u: joining the system (uuid %s%s)\n", idx, uuid,
	       req->jr_rank == D_RANK_NIL ? ""
	       : req->jr_replace      ? ", reformatted: replaces the rank of its superblock"
				      : ", rank from its superblock");
	rc = srv_job_start(ctx, join_work, join_done, jj);
	if (rc == 0)
		return;
fail:
	if (jj != NULL)
		json_decref(jj->jj_body);
	free(jj);
	D_ERROR("engine %u: cannot start its join: " DF_RC "\n", idx, DP_RC(rc));
	if (ctx->sc_harness != NULL)
		(void)srv_harness_join_reply(ctx->sc_harness, idx, rc, 0, 0, 0,
					     "daos_server cannot contact the MS");
}

struct ev_job {
	json_t *ej_body;
	char    ej_id[D_RAS_ID_MAX];
	int     ej_rc;
	char    ej_err[SRV_MSG_MAX + SRV_ADDR_MAX];
};

static void
event_work(struct srv_ctx *ctx, void *arg)
{
	struct ev_job          *ej = arg;
	struct ctl_http_client *cl;
	json_t                 *r = NULL;

	cl = srv_client_new(ctx, SRV_MS_CALL_TIMEOUT_MS, ej->ej_err, sizeof(ej->ej_err));
	if (cl == NULL) {
		ej->ej_rc = -DER_NO_CERT;
		return;
	}
	ej->ej_rc = srv_ms_call(ctx, cl, "system_event", ej->ej_body, SRV_EVENT_TIMEOUT_MS, &r,
				ej->ej_err, sizeof(ej->ej_err));
	json_decref(r);
	ctl_http_client_destroy(cl);
}

static void
event_done(struct srv_ctx *ctx, void *arg)
{
	struct ev_job *ej = arg;

	(void)ctx;
	if (ej->ej_rc != 0)
		D_ERROR("RAS event %s not delivered to the MS: %s\n", ej->ej_id, ej->ej_err);
	json_decref(ej->ej_body);
	free(ej);
}

void
srv_ho_ras(void *arg, uint32_t idx, const struct d_ras_event *ev)
{
	struct srv_ctx *ctx  = arg;
	struct ev_job  *ej   = NULL;
	char           *text = NULL;
	json_t         *obj  = NULL;
	int             rc;

	(void)idx;
	srv_ras_log(ev);
	if (ev->ev_type != RAS_TYPE_STATE_CHANGE || ctx->sc_stopping)
		return;
	rc = d_ras_event_to_json(ev, &text);
	if (rc == 0) {
		obj = json_loads(text, 0, NULL);
		ej  = calloc(1, sizeof(*ej));
		rc  = obj == NULL || ej == NULL ? -DER_NOMEM : 0;
	}
	free(text);
	if (rc == 0) {
		ej->ej_body = json_pack("{s:o}", "event", obj);
		obj         = NULL;
		snprintf(ej->ej_id, sizeof(ej->ej_id), "%s", ev->ev_id_str);
		rc = ej->ej_body == NULL ? -DER_NOMEM : srv_job_start(ctx, event_work, event_done, ej);
	}
	if (rc != 0) {
		D_ERROR("RAS event %s not forwarded to the MS: " DF_RC "\n", ev->ev_id_str,
			DP_RC(rc));
		json_decref(obj);
		if (ej != NULL)
			json_decref(ej->ej_body);
		free(ej);
	}
}
