/*
 * engine_main.c: daos_engine's main: start-up, the link to daos_server, the
 * targets of the data path and the engine's life cycle.
 *
 * Life cycle (engine side of the engine link, control/engine_link.h):
 *
 *   start: parse the command line, open the log (D_LOG_FILE, D_LOG_MASK),
 *          block SIGTERM/SIGINT (read from a signalfd), pin to first_core or
 *          the NUMA node's cores, create the target threads, each listening
 *          on D_INTERFACE's address, port D_PORT+1+t (docs/design.md C1; a
 *          port that cannot be bound ends the engine with ENGINE_EXIT_FAILURE
 *          before it registers, and daos_server reports engine_died), connect
 *          to daos_server (bounded retries)
 *   REGISTERING --reply, formatted--> STARTING_TARGETS
 *   REGISTERING --reply, not formatted--> AWAIT_FORMAT (raises
 *               engine_format_required: logged and sent as ras_event)
 *   AWAIT_FORMAT --format_done--> STARTING_TARGETS
 *   STARTING_TARGETS: storage opened (daos_nvme.json, SMD, devices), every
 *               target opens its pools and serves; --all started--> AWAIT_JOIN
 *               (a join_reply arriving meanwhile is kept and handled then, so
 *               the engine says "ready" only once every target serves);
 *               --a target failed, or ENG_TGT_START_TIMEOUT_MS--> ENGINE_EXIT_FAILURE
 *   AWAIT_JOIN --join_reply ok--> READY (prints the "DAOS I/O Engine ...
 *               started on rank" line, sends ready)
 *   any --stop, SIGTERM, SIGINT--> targets stopped (commit, answer, close),
 *               storage closed, exit ENGINE_EXIT_OK
 *   REGISTERING --no reply within ENG_REGISTER_TIMEOUT_MS--> ENGINE_EXIT_LINK
 *   any --link lost--> ENGINE_EXIT_LINK; protocol error--> ENGINE_EXIT_PROTO
 *   registration refused --> ENGINE_EXIT_REFUSED; join refused --> ENGINE_EXIT_JOIN
 * set_logmasks and the SSD management requests (smd_query, dev_set_faulty,
 * dev_replace, dev_identify: eng_smd_query.c) are served in every state after
 * registration; the latter need the storage, so before it is open they are
 * answered -DER_UNINIT.
 *
 * Without D_PORT (or with 0) the data path is disabled: no target runs, the
 * engine says so loudly (log and stderr) and otherwise behaves as above.
 *
 * An unusable superblock (bad layout version, garbage) is reported by the
 * server in the register reply ("sb_error"). The engine then raises
 * engine_format_required with severity ERROR and the reason in the message:
 * the catalogue has no engine-level *_durable_format_incompat id (the pool,
 * container and rdb ones name objects the engine does not have yet), the
 * operator's remedy is exactly a (forced) format, and the engine indeed waits
 * for one, so the id tells the operator what to do and the text tells why.
 *
 * The engine never writes its superblock: daos_server does (format, rank).
 *
 * Telemetry (eng_telem.c): the engine creates its segment (key
 * D_TM_ENGINE_KEY_BASE + -I, replacing a stale one of a previous life) before
 * the targets, records started_at, servicing_at once every target serves, and
 * rank and incarnation at the join; a 1 s timer samples RSS and the NVMe
 * devices. It removes the segment after the targets stopped (a target left
 * behind may still write to it: then the segment stays, replaced by the next
 * start). A segment that cannot be created is logged and the engine runs
 * without metrics.
 */
#define D_LOGFAC DD_FAC(engine)

#include <errno.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/ras.h"
#include "gurt/rankset.h"
#include "control/engine_link.h"
#include "engine/eng_internal.h"

#ifndef DAOS_VERSION
#define DAOS_VERSION "0.0.0"
#endif

/* Provider when D_PROVIDER is unset: the one this project implements. */
#define ENG_PROVIDER_DEFAULT "ofi+tcp;ofi_rxm"

/* Longest NUMA cpulist read from sysfs ("0-63,128-191" and the like). */
#define ENG_CPULIST_MAX 4096

enum eng_state {
	ES_REGISTERING,
	ES_AWAIT_FORMAT,
	ES_STARTING_TARGETS,
	ES_AWAIT_JOIN,
	ES_READY,
};

static const char *const eng_state_names[] = {"registering", "awaiting format",
					      "starting targets", "awaiting join", "ready"};

struct engine {
	struct eng_args  e_args;
	struct eng_loop *e_loop;
	int              e_link_fd;
	int              e_sig_fd;
	int              e_timer_fd;
	enum eng_state   e_state;
	int64_t          e_next_id;
	int64_t          e_reg_id;
	uint32_t         e_rank;
	uint32_t         e_sb_rank;             /* rank of the register reply (superblock) */
	uint64_t         e_inc;
	uint64_t         e_map_version;
	char             e_host[256];
	char             e_sock[ENG_PATH_MAX + 1];
	char             e_fabric_uri[ENGINE_LINK_URI_MAX];
	char            *e_rbuf;
	char             e_ip[INET_ADDRSTRLEN]; /* D_INTERFACE's address */
	char             e_prov[ENG_TM_PROV_MAX + 1]; /* D_PROVIDER */
	struct eng_telem *e_tm;                 /* NULL: no metrics */
	int              e_tm_timer_fd;
	uint16_t         e_port;                /* D_PORT; 0: data path disabled */
	struct eng_tgts    *e_tgts;
	struct eng_storage *e_st;
	uint32_t         e_tgts_started;
	json_t          *e_join_pending;        /* join_reply kept while targets start */
};

static void
eng_exit(struct engine *e, int code)
{
	eng_loop_stop(e->e_loop, code);
}

/* ---- RAS ---- */

/* Log @ev in the engine's format and send it to daos_server. */
static void
eng_ras_emit(struct engine *e, const struct d_ras_event *ev_in)
{
	struct d_ras_event ev = *ev_in;
	enum d_ras_sev     sev = ev.ev_sev;
	char               line[D_RAS_LINE_MAX];
	char              *text = NULL;
	json_t            *evj, *pkt;
	json_error_t       jerr;

	if (e->e_rank != D_RANK_NIL) {
		d_ras_event_set_rank(&ev, e->e_rank);
		d_ras_event_set_inc(&ev, e->e_inc);
	} else if (e->e_sb_rank != D_RANK_NIL) {
		/* Raised while starting (pools, containers): the rank the join will confirm. */
		d_ras_event_set_rank(&ev, e->e_sb_rank);
	}
	if (d_ras_event_format(&ev, D_RAS_FORM_ENGINE, line, sizeof(line)) == 0) {
		if (sev == RAS_SEV_ERROR)
			D_ERROR("%s\n", line);
		else if (sev == RAS_SEV_WARNING)
			D_WARN("%s\n", line);
		else
			D_NOTE("%s\n", line);
	}
	if (d_ras_event_to_json(&ev, &text) != 0) {
		D_ERROR("cannot encode RAS event %s\n", ev.ev_id_str);
		return;
	}
	evj = json_loads(text, 0, &jerr);
	free(text);
	pkt = evj != NULL ? json_pack("{s:s, s:o}", "op", ENGINE_OP_RAS_EVENT, "event", evj)
			  : NULL;
	if (pkt == NULL || eng_link_send(e->e_link_fd, pkt) != 0)
		D_ERROR("cannot send RAS event %s to daos_server\n", ev.ev_id_str);
	json_decref(pkt);
}

static void
eng_ras_raise(struct engine *e, enum d_ras_event_id id, enum d_ras_sev sev, const char *msg)
{
	struct d_ras_event ev;

	if (d_ras_event_init(&ev, id, msg) != 0) {
		D_ERROR("cannot build RAS event %d\n", (int)id);
		return;
	}
	ev.ev_sev = sev;
	eng_ras_emit(e, &ev);
}

/* ---- Targets ---- */

static void handle_join_reply(struct engine *e, json_t *msg);
static void timer_set(struct engine *e, unsigned ms);
static void targets_notify(void *arg);

/* Open the storage and start the targets (formatted storage); no data path: join. */
static void
targets_start(struct engine *e)
{
	char why[512];
	int  rc;

	if (e->e_tgts == NULL) {
		e->e_state = ES_AWAIT_JOIN;
		return;
	}
	rc = eng_storage_open(e->e_args.ea_storage, e->e_args.ea_targets, &e->e_st, why,
			      sizeof(why));
	if (rc != 0) {
		D_ERROR("cannot open the engine's storage: %s (" DF_RC ")\n", why, DP_RC(rc));
		fprintf(stderr, "daos_engine: cannot open the engine's storage: %s\n", why);
		eng_exit(e, ENGINE_EXIT_FAILURE);
		return;
	}
	eng_telem_storage(e->e_tm, e->e_st);
	/* Events raised off this thread (eng_dev.c) wake the loop like the targets' events. */
	eng_ras_set_notify(e->e_st, targets_notify, e->e_loop);
	rc = eng_tgts_start(e->e_tgts, e->e_st);
	if (rc != 0) {
		D_ERROR("cannot start the targets: " DF_RC "\n", DP_RC(rc));
		eng_exit(e, ENGINE_EXIT_FAILURE);
		return;
	}
	e->e_state = ES_STARTING_TARGETS;
	timer_set(e, ENG_TGT_START_TIMEOUT_MS);
	D_INFO("starting %u target(s)\n", eng_tgts_nr(e->e_tgts));
}

/* Events of the targets (eng_loop_wake() from their threads). */
static void
targets_wake(void *arg)
{
	struct engine       *e = arg;
	struct eng_tgt_event ev;

	if (e->e_tgts == NULL)
		return;
	if (e->e_st != NULL) {
		struct d_ras_event rev;

		while (!eng_loop_stopping(e->e_loop) && eng_ras_pop(e->e_st, &rev) == 0)
			eng_ras_emit(e, &rev);
	}
	while (!eng_loop_stopping(e->e_loop) && eng_tgts_event(e->e_tgts, &ev) == 0) {
		if (ev.te_rc != 0) {
			D_ERROR("target %u failed to start: %s\n", ev.te_tgt, ev.te_msg);
			fprintf(stderr, "daos_engine: target %u failed to start: %s\n", ev.te_tgt,
				ev.te_msg);
			eng_exit(e, ENGINE_EXIT_FAILURE);
			return;
		}
		if (++e->e_tgts_started < eng_tgts_nr(e->e_tgts))
			continue;
		timer_set(e, 0);
		eng_telem_servicing(e->e_tm);
		D_NOTE("all %u target(s) serving on %s:%u-%u\n", e->e_tgts_started, e->e_ip,
		       eng_tgts_port(e->e_tgts, 0),
		       eng_tgts_port(e->e_tgts, e->e_tgts_started - 1));
		if (e->e_state == ES_STARTING_TARGETS) {
			e->e_state = ES_AWAIT_JOIN;
			if (e->e_join_pending != NULL) {
				json_t *msg = e->e_join_pending;

				e->e_join_pending = NULL;
				handle_join_reply(e, msg);
				json_decref(msg);
			}
		}
	}
}

/* ---- Messages from daos_server ---- */

static void
reply_status(struct engine *e, json_int_t id, int status, const char *error, const char *masks)
{
	json_t *rep = json_pack("{s:s, s:I, s:i}", "op", ENGINE_OP_REPLY, "id", id, "status",
				status);

	if (rep != NULL && error != NULL &&
	    json_object_set_new(rep, "error", json_string(error)) != 0) {
		json_decref(rep);
		rep = NULL;
	}
	if (rep != NULL && masks != NULL &&
	    json_object_set_new(rep, "masks", json_string(masks)) != 0) {
		json_decref(rep);
		rep = NULL;
	}
	if (rep == NULL || eng_link_send(e->e_link_fd, rep) != 0) {
		D_ERROR("cannot answer request %lld\n", (long long)id);
		eng_exit(e, ENGINE_EXIT_LINK);
	}
	json_decref(rep);
}

static void
proto_error(struct engine *e, const char *op, const char *what)
{
	D_ERROR("protocol error from daos_server: %s: %s\n", op, what);
	eng_exit(e, ENGINE_EXIT_PROTO);
}

/* An optional or required integer field in [min, max]; -1 absent, 0 ok, -2 bad. */
static int
field_int(json_t *msg, const char *key, long long min, long long max, long long *out)
{
	json_t *v = json_object_get(msg, key);

	if (v == NULL)
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return -2;
	*out = json_integer_value(v);
	return 0;
}

static const char *
field_str(json_t *msg, const char *key)
{
	json_t *v = json_object_get(msg, key);

	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
		   ? json_string_value(v) : NULL;
}

static void
timer_set(struct engine *e, unsigned ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec  = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)timerfd_settime(e->e_timer_fd, 0, &its, NULL);
}

static void
handle_register_reply(struct engine *e, json_t *msg, long long status)
{
	const char *sys   = field_str(msg, "sys_name");
	const char *sberr = field_str(msg, "sb_error");
	json_t     *fmt   = json_object_get(msg, "formatted");
	char        text[D_RAS_MSG_MAX * 2];
	long long   rank;

	timer_set(e, 0);
	if (status != 0) {
		const char *err = field_str(msg, "error");

		D_ERROR("daos_server refused the registration: %s (" DF_RC ")\n",
			err != NULL ? err : "no reason given", DP_RC((int)status));
		eng_exit(e, ENGINE_EXIT_REFUSED);
		return;
	}
	if (!json_is_boolean(fmt) || sys == NULL ||
	    field_int(msg, "rank", 0, D_RANK_MAX, &rank) == -2) {
		proto_error(e, "register reply", "needs formatted, sys_name and a valid rank");
		return;
	}
	if (strcmp(sys, e->e_args.ea_group) != 0) {
		D_ERROR("daos_server serves system '%.32s', this engine was started for '%s'\n",
			sys, e->e_args.ea_group);
		eng_exit(e, ENGINE_EXIT_REFUSED);
		return;
	}
	if (json_object_get(msg, "rank") != NULL)
		e->e_sb_rank = (uint32_t)rank;
	if (json_is_true(fmt)) {
		D_INFO("registered with daos_server; storage formatted\n");
		targets_start(e);
		return;
	}
	if (sberr != NULL) {
		snprintf(text, sizeof(text), "DAOS engine %u requires a SCM format: %s",
			 e->e_args.ea_idx, sberr);
		eng_ras_raise(e, RAS_ENGINE_FORMAT_REQUIRED, RAS_SEV_ERROR, text);
	} else {
		snprintf(text, sizeof(text), "DAOS engine %u requires a SCM format",
			 e->e_args.ea_idx);
		eng_ras_raise(e, RAS_ENGINE_FORMAT_REQUIRED, RAS_SEV_NOTICE, text);
	}
	e->e_state = ES_AWAIT_FORMAT;
}

static void
handle_join_reply(struct engine *e, json_t *msg)
{
	long long status, rank, inc, mapv;

	if (field_int(msg, "status", INT32_MIN, 0, &status) != 0) {
		proto_error(e, ENGINE_OP_JOIN_REPLY, "no valid status");
		return;
	}
	if (status != 0) {
		const char *err = field_str(msg, "error");

		D_ERROR("joining the system failed: %s (" DF_RC ")\n",
			err != NULL ? err : "no reason given", DP_RC((int)status));
		eng_exit(e, ENGINE_EXIT_JOIN);
		return;
	}
	if (field_int(msg, "rank", 0, D_RANK_MAX, &rank) != 0 ||
	    field_int(msg, "incarnation", 0, INT64_MAX, &inc) != 0 ||
	    field_int(msg, "map_version", 0, INT64_MAX, &mapv) != 0) {
		proto_error(e, ENGINE_OP_JOIN_REPLY, "needs rank, incarnation and map_version");
		return;
	}
	e->e_rank        = (uint32_t)rank;
	e->e_inc         = (uint64_t)inc;
	e->e_map_version = (uint64_t)mapv;
	e->e_state       = ES_READY;
	eng_telem_joined(e->e_tm, e->e_rank, e->e_inc);
	/* DAOS prints this line on stdout once the rank is known; scripts wait for it. */
	printf("DAOS I/O Engine (v%s) process %d started on rank %u with %u target, %u helper "
	       "XS, firstcore %d, host %s.\n", DAOS_VERSION, (int)getpid(), e->e_rank,
	       e->e_args.ea_targets, e->e_args.ea_helpers,
	       e->e_args.ea_first_core < 0 ? 0 : e->e_args.ea_first_core, e->e_host);
	fflush(stdout);
	D_NOTE("joined the system: rank %u incarnation %#llx map version %llu\n", e->e_rank,
	       (unsigned long long)e->e_inc, (unsigned long long)e->e_map_version);
	{
		json_t *rdy = json_pack("{s:s, s:I, s:I}", "op", ENGINE_OP_READY, "rank",
					(json_int_t)e->e_rank, "incarnation", (json_int_t)e->e_inc);

		if (rdy == NULL || eng_link_send(e->e_link_fd, rdy) != 0) {
			D_ERROR("cannot tell daos_server we are ready\n");
			eng_exit(e, ENGINE_EXIT_LINK);
		}
		json_decref(rdy);
	}
}

static void
handle_set_logmasks(struct engine *e, json_t *msg, long long id)
{
	const char *masks = field_str(msg, "masks");
	char        err[D_LOG_ERRBUF_SIZE];
	char        cur[D_LOG_MASK_BUF_SIZE];
	int         rc;

	if (masks == NULL) {
		proto_error(e, ENGINE_OP_SET_LOGMASKS, "no string 'masks'");
		return;
	}
	rc = d_log_setmasks(masks, err, sizeof(err));
	if (d_log_getmasks(cur, sizeof(cur)) != 0)
		cur[0] = '\0';
	if (rc != 0) {
		D_ERROR("set_logmasks refused: %s (masks kept: %s)\n", err, cur);
		reply_status(e, id, rc, err, cur);
		return;
	}
	D_INFO("log masks set to %s\n", cur);
	reply_status(e, id, 0, NULL, cur);
}

/* An SSD management request (eng_smd_query.c): answered in every state; the
 * storage is needed, so before it is open the answer is -DER_UNINIT. */
static void
handle_smd(struct engine *e, json_t *msg, long long id)
{
	struct eng_smd_req req;
	char               err[ENGINE_LINK_ERR_MAX];
	json_t            *rep;
	int                rc;

	rep = json_pack("{s:s, s:I}", "op", ENGINE_OP_REPLY, "id", (json_int_t)id);
	if (rep == NULL) {
		D_ERROR("cannot answer request %lld: out of memory\n", id);
		eng_exit(e, ENGINE_EXIT_LINK);
		return;
	}
	rc = eng_smd_req_parse(msg, &req, err, sizeof(err));
	if (rc == 0 && e->e_st == NULL) {
		snprintf(err, sizeof(err), "the engine's storage is not open (%s)",
			 e->e_tgts == NULL ? "data path disabled: no D_PORT" : "not formatted yet");
		rc = -DER_UNINIT;
	}
	if (rc == 0)
		rc = eng_smd_exec(e->e_st, &req, rep, err, sizeof(err));
	if (rc != 0) {
		D_WARN("%s refused: %s (" DF_RC ")\n", json_string_value(json_object_get(msg, "op")),
		       err, DP_RC(rc));
		json_object_clear(rep);
		if (json_object_set_new(rep, "op", json_string(ENGINE_OP_REPLY)) != 0 ||
		    json_object_set_new(rep, "id", json_integer(id)) != 0 ||
		    json_object_set_new(rep, "error", json_string(err)) != 0)
			rc = -DER_NOMEM;
	}
	if (json_object_set_new(rep, "status", json_integer(rc)) != 0 ||
	    eng_link_send(e->e_link_fd, rep) != 0) {
		D_ERROR("cannot answer request %lld\n", id);
		eng_exit(e, ENGINE_EXIT_LINK);
	}
	json_decref(rep);
}

static void
handle_msg(struct engine *e, json_t *msg)
{
	const char *op = json_string_value(json_object_get(msg, "op"));
	long long   id = 0;
	int         has_id;

	has_id = field_int(msg, "id", 1, ENGINE_LINK_ID_MAX, &id);
	if (has_id == -2) {
		proto_error(e, op, "bad 'id'");
		return;
	}
	D_DEBUG("'%.32s' from daos_server in state %s\n", op, eng_state_names[e->e_state]);

	if (strcmp(op, ENGINE_OP_REPLY) == 0) {
		long long status;

		if (has_id != 0 || field_int(msg, "status", INT32_MIN, 0, &status) != 0) {
			proto_error(e, op, "needs an id and a status");
			return;
		}
		if (e->e_state == ES_REGISTERING && id == e->e_reg_id)
			handle_register_reply(e, msg, status);
		else
			D_WARN("reply %lld matches no request\n", id);
	} else if (strcmp(op, ENGINE_OP_FORMAT_DONE) == 0) {
		if (e->e_state != ES_AWAIT_FORMAT) {
			D_WARN("format_done in state %s: ignored\n", eng_state_names[e->e_state]);
			return;
		}
		D_NOTE("storage formatted: starting the targets, then joining the system\n");
		targets_start(e);
	} else if (strcmp(op, ENGINE_OP_JOIN_REPLY) == 0) {
		if (e->e_state == ES_STARTING_TARGETS && e->e_join_pending == NULL) {
			/* Answered once every target serves (a Joined rank serves I/O). */
			e->e_join_pending = json_incref(msg);
			return;
		}
		if (e->e_state != ES_AWAIT_JOIN) {
			D_WARN("join_reply in state %s: ignored\n", eng_state_names[e->e_state]);
			return;
		}
		handle_join_reply(e, msg);
	} else if (strcmp(op, ENGINE_OP_SET_LOGMASKS) == 0) {
		if (has_id != 0) {
			proto_error(e, op, "needs an id");
			return;
		}
		handle_set_logmasks(e, msg, id);
	} else if (strcmp(op, ENGINE_OP_STOP) == 0) {
		D_NOTE("stop requested by daos_server\n");
		eng_exit(e, ENGINE_EXIT_OK);
	} else if (eng_smd_op_known(op)) {
		if (has_id != 0) {
			proto_error(e, op, "needs an id");
			return;
		}
		handle_smd(e, msg, id);
	} else if (strcmp(op, ENGINE_OP_MAP_UPDATE) == 0) {
		D_DEBUG("map_update ignored (no membership service yet)\n");
	} else if (has_id == 0) {
		char q[68];

		d_errbuf_quote(q, op, strlen(op), 64);
		D_WARN("unknown request '%s'\n", q);
		reply_status(e, id, -DER_NOTSUPPORTED, "unknown op", NULL);
	} else {
		char q[68];

		D_WARN("unknown message '%s' ignored\n", d_errbuf_quote(q, op, strlen(op), 64));
	}
}

static void
link_ready(struct eng_loop *loop, uint32_t events, void *arg)
{
	struct engine *e = arg;
	char           why[256];

	(void)loop;
	(void)events;
	for (int i = 0; i < ENG_LINK_BATCH; i++) {
		json_t *msg = NULL;
		int     rc  = eng_link_recv(e->e_link_fd, e->e_rbuf, &msg, why, sizeof(why));

		if (rc == -DER_AGAIN)
			return;
		if (rc == -DER_UNREACH) {
			D_ERROR("lost the link to daos_server: %s\n", why);
			eng_exit(e, ENGINE_EXIT_LINK);
			return;
		}
		if (rc != 0) {
			proto_error(e, "packet", why);
			return;
		}
		handle_msg(e, msg);
		json_decref(msg);
		if (eng_loop_stopping(e->e_loop))
			return;
	}
}

static void
signal_ready(struct eng_loop *loop, uint32_t events, void *arg)
{
	struct engine          *e = arg;
	struct signalfd_siginfo si;
	ssize_t                 n;

	(void)loop;
	(void)events;
	n = read(e->e_sig_fd, &si, sizeof(si));
	if (n != (ssize_t)sizeof(si))
		return;
	D_NOTE("received signal %u (%s): exiting\n", si.ssi_signo, strsignal((int)si.ssi_signo));
	eng_exit(e, ENGINE_EXIT_OK);
}

static void
timer_ready(struct eng_loop *loop, uint32_t events, void *arg)
{
	struct engine *e = arg;
	uint64_t       n;

	(void)loop;
	(void)events;
	if (read(e->e_timer_fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	if (e->e_state == ES_REGISTERING) {
		D_ERROR("daos_server did not answer the registration within %d ms\n",
			ENG_REGISTER_TIMEOUT_MS);
		eng_exit(e, ENGINE_EXIT_LINK);
	} else if (e->e_state == ES_STARTING_TARGETS) {
		D_ERROR("%u of %u targets started within %d ms\n", e->e_tgts_started,
			eng_tgts_nr(e->e_tgts), ENG_TGT_START_TIMEOUT_MS);
		eng_exit(e, ENGINE_EXIT_FAILURE);
	}
}

/* ---- Start-up ---- */

static void
pin_cpus(const struct eng_args *a)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (a->ea_first_core >= 0) {
		if (a->ea_first_core >= CPU_SETSIZE) {
			D_WARN("first core %d is beyond CPU_SETSIZE: not pinned\n",
			       a->ea_first_core);
			return;
		}
		CPU_SET(a->ea_first_core, &set);
	} else if (a->ea_numa >= 0) {
		char  path[96];
		char  list[ENG_CPULIST_MAX];
		FILE *f;
		char *p, *save = NULL;

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", a->ea_numa);
		f = fopen(path, "re");
		if (f == NULL || fgets(list, sizeof(list), f) == NULL) {
			D_WARN("cannot read %s: not pinned\n", path);
			if (f != NULL)
				fclose(f);
			return;
		}
		fclose(f);
		for (p = strtok_r(list, ",\n", &save); p != NULL; p = strtok_r(NULL, ",\n", &save)) {
			char         *end;
			unsigned long lo = strtoul(p, &end, 10), hi = lo;

			if (*end == '-')
				hi = strtoul(end + 1, &end, 10);
			for (unsigned long c = lo; c <= hi && c < CPU_SETSIZE; c++)
				CPU_SET(c, &set);
		}
	} else {
		return;
	}
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		D_WARN("cannot pin to %s %d: %s\n", a->ea_first_core >= 0 ? "core" : "NUMA node",
		       a->ea_first_core >= 0 ? a->ea_first_core : a->ea_numa, strerror(errno));
	else
		D_INFO("pinned to %s %d\n", a->ea_first_core >= 0 ? "core" : "NUMA node",
		       a->ea_first_core >= 0 ? a->ea_first_core : a->ea_numa);
}

/*
 * "ofi+tcp;ofi_rxm://<ipv4 of D_INTERFACE>:<D_PORT>"; e_ip and e_port are what
 * the targets listen on (C1). With a data path, D_INTERFACE must have an IPv4
 * address (a URI naming 0.0.0.0 reaches nobody); without D_INTERFACE the
 * targets listen on every address.
 */
static int
fabric_uri(struct engine *e)
{
	const char     *prov  = getenv("D_PROVIDER");
	const char     *iface = getenv("D_INTERFACE");
	const char     *port  = getenv("D_PORT");
	char            addr[INET_ADDRSTRLEN] = "0.0.0.0";
	struct ifaddrs *ifa, *i;
	unsigned long   pn = 0;
	bool            found = false;

	if (prov == NULL || prov[0] == '\0' || strlen(prov) > 64)
		prov = ENG_PROVIDER_DEFAULT;
	if (port != NULL) {
		char *end;

		pn = strtoul(port, &end, 10);
		if (*end != '\0' || pn > 65535) {
			D_ERROR("D_PORT '%.16s' is not a port number: ignored\n", port);
			pn = 0;
		}
	}
	if (iface != NULL && iface[0] != '\0' && getifaddrs(&ifa) == 0) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
			    strcmp(i->ifa_name, iface) != 0)
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr,
				  sizeof(addr));
			found = true;
			break;
		}
		freeifaddrs(ifa);
	}
	snprintf(e->e_fabric_uri, sizeof(e->e_fabric_uri), "%s://%s:%lu", prov, addr, pn);
	snprintf(e->e_prov, sizeof(e->e_prov), "%s", prov);
	memcpy(e->e_ip, addr, sizeof(addr));
	e->e_port = (uint16_t)pn;
	if (pn != 0 && iface != NULL && iface[0] != '\0' && !found) {
		D_ERROR("D_INTERFACE %.64s has no IPv4 address: the targets cannot listen on it\n",
			iface);
		fprintf(stderr, "daos_engine: D_INTERFACE %.64s has no IPv4 address\n", iface);
		return -DER_INVAL;
	}
	return 0;
}

static void
targets_notify(void *arg)
{
	eng_loop_wake(arg);
}

/* Bind every target's port (C1) before registering: a port in use is fatal. */
static int
targets_create(struct engine *e)
{
	struct eng_tgts_cfg cfg;
	char                why[512];
	int                 rc;

	if (e->e_port == 0) {
		D_ERROR("DATA PATH DISABLED: D_PORT (fabric_iface_port) is not set; this engine "
			"runs without targets and serves no I/O\n");
		fprintf(stderr, "daos_engine: DATA PATH DISABLED: D_PORT (fabric_iface_port) is "
			"not set; this engine serves no I/O\n");
		return 0;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.tc_ip         = e->e_ip;
	cfg.tc_port       = e->e_port;
	cfg.tc_nr         = e->e_args.ea_targets;
	cfg.tc_first_core = e->e_args.ea_first_core;
	cfg.tc_notify     = targets_notify;
	cfg.tc_notify_arg = e->e_loop;
	cfg.tc_telem      = e->e_tm;
	rc = eng_tgts_create(&cfg, &e->e_tgts, why, sizeof(why));
	if (rc != 0) {
		D_ERROR("cannot start the targets: %s (" DF_RC ")\n", why, DP_RC(rc));
		fprintf(stderr, "daos_engine: cannot start the targets: %s\n", why);
		return rc;
	}
	eng_loop_set_wake_cb(e->e_loop, targets_wake, e);
	return 0;
}

static void
telem_timer_ready(struct eng_loop *loop, uint32_t events, void *arg)
{
	struct engine *e = arg;
	uint64_t       n;

	(void)loop;
	(void)events;
	if (read(e->e_tm_timer_fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	eng_telem_refresh(e->e_tm, e->e_st);
}

/*
 * Create the telemetry segment and its refresh timer. Never fatal: without
 * them the engine runs without metrics (said loudly in the log).
 */
static void
telem_start(struct engine *e)
{
	key_t             key = eng_telem_key(e->e_args.ea_idx);
	struct itimerspec its;
	int               rc;

	rc = eng_telem_create(key, e->e_args.ea_targets, e->e_prov, &e->e_tm);
	if (rc != 0) {
		D_ERROR("telemetry: cannot create the shared memory segment of key %#x for "
			"engine %u: " DF_RC "%s; the engine runs without metrics\n", (unsigned)key,
			e->e_args.ea_idx, DP_RC(rc),
			rc == -DER_SHMEM_PERMS ? " (a stale segment of another user: "
						 "remove it with ipcrm -M)" : "");
		e->e_tm = NULL;
		return;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec     = ENG_TM_REFRESH_MS / 1000;
	its.it_value.tv_nsec    = (long)(ENG_TM_REFRESH_MS % 1000) * 1000000L;
	its.it_interval         = its.it_value;
	e->e_tm_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->e_tm_timer_fd < 0 || timerfd_settime(e->e_tm_timer_fd, 0, &its, NULL) != 0 ||
	    eng_loop_add(e->e_loop, e->e_tm_timer_fd, EPOLLIN, telem_timer_ready, e, NULL) != 0)
		D_ERROR("telemetry: no refresh timer: RSS and NVMe metrics are not sampled\n");
	eng_telem_refresh(e->e_tm, NULL);
}

static int
send_register(struct engine *e)
{
	json_t *msg;
	long    ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	int     rc;

	e->e_reg_id = e->e_next_id++;
	msg = json_pack("{s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:s}", "op",
			ENGINE_OP_REGISTER, "id", (json_int_t)e->e_reg_id, "proto",
			ENGINE_LINK_PROTO, "idx", (int)e->e_args.ea_idx, "pid", (int)getpid(),
			"ncpus", ncpus > 0 ? (int)ncpus : 0, "targets", (int)e->e_args.ea_targets,
			"helpers", (int)e->e_args.ea_helpers, "fabric_uri", e->e_fabric_uri,
			"version", DAOS_VERSION);
	if (msg == NULL)
		return -DER_NOMEM;
	rc = eng_link_send(e->e_link_fd, msg);
	json_decref(msg);
	return rc;
}

static int
engine_run(struct engine *e)
{
	const char *env_sock = getenv(ENGINE_LINK_SOCK_ENV);
	char        why[512];
	sigset_t    mask;
	int         rc;

	if (env_sock != NULL && env_sock[0] != '\0') {
		if (strlen(env_sock) > ENG_PATH_MAX) {
			fprintf(stderr, "daos_engine: %s is too long\n", ENGINE_LINK_SOCK_ENV);
			return ENGINE_EXIT_USAGE;
		}
		strcpy(e->e_sock, env_sock);
	} else if (snprintf(e->e_sock, sizeof(e->e_sock), "%s/%s", e->e_args.ea_socket_dir,
			    ENGINE_LINK_SOCK_NAME) >= (int)sizeof(e->e_sock)) {
		fprintf(stderr, "daos_engine: socket path too long\n");
		return ENGINE_EXIT_USAGE;
	}
	if (gethostname(e->e_host, sizeof(e->e_host) - 1) != 0)
		strcpy(e->e_host, "unknown");

	/* Block before any thread exists, so that every later thread inherits it. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		return ENGINE_EXIT_FAILURE;
	signal(SIGPIPE, SIG_IGN);
	e->e_sig_fd   = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	e->e_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->e_rbuf     = malloc(ENGINE_LINK_MSG_MAX);
	if (e->e_sig_fd < 0 || e->e_timer_fd < 0 || e->e_rbuf == NULL) {
		D_ERROR("start-up: %s\n", strerror(errno));
		return ENGINE_EXIT_FAILURE;
	}
	pin_cpus(&e->e_args);

	rc = eng_loop_create(&e->e_loop);
	if (rc != 0)
		return ENGINE_EXIT_FAILURE;
	if (fabric_uri(e) != 0)
		return ENGINE_EXIT_FAILURE;
	telem_start(e);
	if (targets_create(e) != 0)
		return ENGINE_EXIT_FAILURE;
	rc = eng_link_connect(e->e_sock, &e->e_link_fd, why, sizeof(why));
	if (rc != 0) {
		D_ERROR("%s\n", why);
		fprintf(stderr, "daos_engine: %s\n", why);
		return ENGINE_EXIT_LINK;
	}
	if (eng_loop_add(e->e_loop, e->e_link_fd, EPOLLIN | EPOLLRDHUP, link_ready, e, NULL) ||
	    eng_loop_add(e->e_loop, e->e_sig_fd, EPOLLIN, signal_ready, e, NULL) ||
	    eng_loop_add(e->e_loop, e->e_timer_fd, EPOLLIN, timer_ready, e, NULL))
		return ENGINE_EXIT_FAILURE;
	rc = send_register(e);
	if (rc != 0) {
		D_ERROR("cannot register with daos_server: " DF_RC "\n", DP_RC(rc));
		return ENGINE_EXIT_LINK;
	}
	timer_set(e, ENG_REGISTER_TIMEOUT_MS);
	D_INFO("engine %u (pid %d) registering with daos_server at %s\n", e->e_args.ea_idx,
	       (int)getpid(), e->e_sock);
	return eng_loop_run(e->e_loop);
}

int
main(int argc, char **argv)
{
	struct engine e;
	char          why[256];
	int           code;

	memset(&e, 0, sizeof(e));
	e.e_link_fd  = -1;
	e.e_sig_fd   = -1;
	e.e_timer_fd = -1;
	e.e_tm_timer_fd = -1;
	e.e_rank     = D_RANK_NIL;
	e.e_sb_rank  = D_RANK_NIL;
	e.e_next_id  = 1;
	if (eng_args_parse(argc, argv, &e.e_args, why, sizeof(why)) != 0) {
		fprintf(stderr, "daos_engine: %s\n", why);
		eng_args_usage(argv[0], stderr);
		return ENGINE_EXIT_USAGE;
	}
	if (e.e_args.ea_help) {
		eng_args_usage(argv[0], stdout);
		return ENGINE_EXIT_OK;
	}
	if (e.e_args.ea_version) {
		printf("daos_engine version %s\n", DAOS_VERSION);
		return ENGINE_EXIT_OK;
	}
	if (d_log_init() != 0)
		return ENGINE_EXIT_USAGE; /* d_log_init said why on stderr */

	code = engine_run(&e);
	if (e.e_tgts != NULL) {
		D_INFO("stopping %u target(s)\n", eng_tgts_nr(e.e_tgts));
		if (eng_tgts_stop(e.e_tgts) == 0) {
			eng_storage_close(e.e_st);
			eng_telem_destroy(e.e_tm);
		} else {
			D_ERROR("targets did not stop in time: storage and telemetry segment left "
				"open\n");
		}
	} else {
		eng_storage_close(e.e_st);
		eng_telem_destroy(e.e_tm);
	}
	json_decref(e.e_join_pending);
	D_NOTE("engine %u (pid %d) exiting: %d (%s)\n", e.e_args.ea_idx, (int)getpid(), code,
	       engine_exit_str(code));
	eng_loop_destroy(e.e_loop);
	if (e.e_link_fd >= 0)
		close(e.e_link_fd);
	if (e.e_sig_fd >= 0)
		close(e.e_sig_fd);
	if (e.e_timer_fd >= 0)
		close(e.e_timer_fd);
	if (e.e_tm_timer_fd >= 0)
		close(e.e_tm_timer_fd);
	free(e.e_rbuf);
	d_log_fini();
	return code;
}
