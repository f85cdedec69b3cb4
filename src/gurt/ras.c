/*
 * ras.c: RAS events: the catalogue, the event struct's setters, the two text
 * forms and the JSON encoding (see ras.h for the shapes and invariants 1-5).
 *
 * Nothing here allocates except the JSON functions (jansson and the output
 * string), and nothing keeps state: every function works on the caller's
 * struct, so all are reentrant. Time is converted with the module's own
 * proleptic Gregorian arithmetic on the stored UTC offset, never with the
 * process's TZ, so text and JSON round-trip exactly on any host.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/ras.h"
#include "gurt/errbuf.h"

/* ------------------------------------------------------------------------ */
/* Catalogue                                                                */
/* ------------------------------------------------------------------------ */

#define RAS_DESC_ENTRY(e, name, type, sev, msg) [e] = {e, name, RAS_TYPE_##type, RAS_SEV_##sev, msg},
static const struct d_ras_event_desc ras_catalogue[RAS_EVENT_NR] = {
	D_RAS_FOREACH_EVENT(RAS_DESC_ENTRY)};
#undef RAS_DESC_ENTRY

/* Invariant 1 relies on every name fitting ev_id_str; checked at build time. */
#define RAS_NAME_FITS(e, name, type, sev, msg)                                                     \
	_Static_assert(sizeof(name) <= D_RAS_ID_MAX, "RAS id too long: " name);
D_RAS_FOREACH_EVENT(RAS_NAME_FITS)
#undef RAS_NAME_FITS

/* Spellings other DAOS releases used for the same events (see ras.h). */
static const struct {
	const char         *ra_name;
	enum d_ras_event_id ra_id;
} ras_aliases[] = {
    {"corruption_detected", RAS_POOL_CORRUPTION_DETECTED},
    {"pool_durable_format_incompatible", RAS_POOL_DURABLE_FORMAT_INCOMPAT},
    {"container_durable_format_incompatible", RAS_CONTAINER_DURABLE_FORMAT_INCOMPAT},
};

const struct d_ras_event_desc *
d_ras_event_desc(enum d_ras_event_id id)
{
	/* The enum may be signed or unsigned: compare as unsigned to reject both ends. */
	if ((unsigned int)id >= (unsigned int)RAS_EVENT_NR)
		return NULL;
	return &ras_catalogue[id];
}

const struct d_ras_event_desc *
d_ras_event_desc_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < RAS_EVENT_NR; i++)
		if (strcmp(ras_catalogue[i].rd_name, name) == 0)
			return &ras_catalogue[i];
	for (i = 0; i < sizeof(ras_aliases) / sizeof(ras_aliases[0]); i++)
		if (strcmp(ras_aliases[i].ra_name, name) == 0)
			return &ras_catalogue[ras_aliases[i].ra_id];
	return NULL;
}

const char *
d_ras_type2str(enum d_ras_type type)
{
	return type == RAS_TYPE_STATE_CHANGE ? "STATE_CHANGE" : "INFO";
}

const char *
d_ras_sev2str(enum d_ras_sev sev)
{
	switch (sev) {
	case RAS_SEV_ERROR:
		return "ERROR";
	case RAS_SEV_WARNING:
		return "WARNING";
	default:
		return "NOTICE";
	}
}

/* ------------------------------------------------------------------------ */
/* Text fields (invariant 4)                                                */
/* ------------------------------------------------------------------------ */

/*
 * Length of the valid UTF-8 sequence at @s, or 0 when it is not one (overlong
 * forms, surrogates and code points above U+10FFFF are invalid, as in
 * jansson, so whatever passes here encodes). At most @avail bytes are read;
 * reading also stops at the first byte that is not a continuation byte, so a
 * NUL-terminated string may be passed with @avail = SIZE_MAX.
 */
static size_t
ras_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned int c = s[0];
	uint32_t     cp;
	uint32_t     min;
	size_t       n;
	size_t       i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n   = 2;
		cp  = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n   = 3;
		cp  = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n   = 4;
		cp  = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool
ras_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

enum ras_text_err {
	RAS_TEXT_OK = 0,
	RAS_TEXT_CTL,  /* holds an ASCII control character (or NUL) */
	RAS_TEXT_UTF8, /* not valid UTF-8 */
};

/* Classify @len bytes at @s against invariant 4. */
static enum ras_text_err
ras_text_scan(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t               i = 0;
	size_t               n;

	while (i < len) {
		if (ras_is_ctl(p[i]))
			return RAS_TEXT_CTL;
		n = ras_utf8_seq(p + i, len - i);
		if (n == 0)
			return RAS_TEXT_UTF8;
		i += n;
	}
	return RAS_TEXT_OK;
}

/* A field array of @size bytes satisfies invariant 4. */
static bool
ras_field_ok(const char *field, size_t size)
{
	size_t len = strnlen(field, size);

	return len < size && ras_text_scan(field, len) == RAS_TEXT_OK;
}

/*
 * Copy @src into the field @dst of @size (>= 2) bytes under the overflow rule:
 * control characters become ' ', bytes that do not start a valid UTF-8
 * sequence become '?'. Both replacements are byte for byte, so the output is
 * as long as the input; when that is more than size - 1 bytes the copy stops
 * at a character boundary leaving room for the closing '$'.
 */
static void
ras_copy_text(char *dst, size_t size, const char *src)
{
	const unsigned char *s        = (const unsigned char *)src;
	bool                 overflow = strnlen(src, size) >= size;
	size_t               limit    = overflow ? size - 2 : size - 1;
	size_t               in       = 0;
	size_t               out      = 0;
	size_t               n;

	assert(size >= 2);
	while (s[in] != '\0') {
		if (ras_is_ctl(s[in])) {
			if (out + 1 > limit)
				break;
			dst[out++] = ' ';
			in++;
			continue;
		}
		n = ras_utf8_seq(s + in, SIZE_MAX);
		if (n == 0) {
			if (out + 1 > limit)
				break;
			dst[out++] = '?';
			in++;
			continue;
		}
		if (out + n > limit)
			break;
		/* memmove: a setter may be handed its own field. */
		memmove(dst + out, s + in, n);
		out += n;
		in += n;
	}
	if (overflow)
		dst[out++] = '$';
	dst[out] = '\0';
	/* Zero the tail so that invariant 5 holds and events compare with memcmp. */
	memset(dst + out + 1, 0, size - out - 1);
}

/* ------------------------------------------------------------------------ */
/* Time (invariant 3)                                                       */
/* ------------------------------------------------------------------------ */

#define RAS_DAY_SEC 86400

/* Days from 0000-01-01 to @y-01-01 (proleptic Gregorian), y >= 0. */
static int64_t
ras_days_before_year(int64_t y)
{
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

static bool
ras_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
ras_days_in_month(int64_t y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && ras_leap(y) ? 29 : mdays[m - 1];
}

/* Local seconds since the epoch of 0000-01-01T00:00:00 and 9999-12-31T23:59:59. */
#define RAS_EPOCH_DAYS  719528 /* ras_days_before_year(1970) */
#define RAS_LOCAL_MIN   (-(int64_t)RAS_EPOCH_DAYS * RAS_DAY_SEC)
#define RAS_LOCAL_MAX   ((int64_t)(3652425 - RAS_EPOCH_DAYS) * RAS_DAY_SEC - 1)

/* Why (sec, usec, off) breaks invariant 3, or NULL when it does not. */
static const char *
ras_ts_check(int64_t sec, uint32_t usec, int32_t off)
{
	int64_t local;

	if (usec >= 1000000)
		return "microseconds out of range";
	if (off % 60 != 0)
		return "UTC offset is not a whole number of minutes";
	if (off > D_RAS_TZ_OFF_MAX || off < -D_RAS_TZ_OFF_MAX)
		return "UTC offset out of range";
	/* Bound sec first so that sec + off cannot overflow. */
	if (sec < RAS_LOCAL_MIN - D_RAS_TZ_OFF_MAX || sec > RAS_LOCAL_MAX + D_RAS_TZ_OFF_MAX)
		return "year out of range";
	local = sec + off;
	if (local < RAS_LOCAL_MIN || local > RAS_LOCAL_MAX)
		return "year out of range";
	return NULL;
}

/* Print a timestamp already accepted by ras_ts_check() into @out. */
static void
ras_ts_print(int64_t sec, uint32_t usec, int32_t off, char out[D_RAS_TS_SIZE])
{
	int64_t t    = sec + off - RAS_LOCAL_MIN; /* seconds since 0000-01-01, >= 0 */
	int64_t days = t / RAS_DAY_SEC;
	int64_t tod  = t % RAS_DAY_SEC;
	int64_t y    = days * 400 / 146097; /* 146097 days per 400 years */
	int64_t doy;
	int     m = 1;
	int32_t aoff = off < 0 ? -off : off;
	int     n;

	while (ras_days_before_year(y + 1) <= days)
		y++;
	while (ras_days_before_year(y) > days)
		y--;
	doy = days - ras_days_before_year(y);
	while (doy >= ras_days_in_month(y, m)) {
		doy -= ras_days_in_month(y, m);
		m++;
	}
	n = snprintf(out, D_RAS_TS_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02d%02d", (int)y, m,
		     (int)doy + 1, (int)(tod / 3600), (int)(tod / 60 % 60), (int)(tod % 60),
		     (unsigned int)usec, off < 0 ? '-' : '+', (int)(aoff / 3600),
		     (int)(aoff / 60 % 60));
	assert(n == D_RAS_TS_SIZE - 1);
	(void)n;
}

/* Value of @n decimal digits at @s, or -1 when one is not a digit. */
static int
ras_digits(const char *s, int n)
{
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parse "YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm" (exactly; '-' or '+' before the
 * offset) of @len bytes. Returns NULL and the three parts, or the reason.
 */
static const char *
ras_ts_parse(const char *s, size_t len, int64_t *sec, uint32_t *usec, int32_t *off)
{
	int     year, mon, day, hh, mm, ss, us, ohh, omm;
	int64_t local;

	if (len != D_RAS_TS_SIZE - 1 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || (s[26] != '+' && s[26] != '-'))
		return "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm";
	year = ras_digits(s, 4);
	mon  = ras_digits(s + 5, 2);
	day  = ras_digits(s + 8, 2);
	hh   = ras_digits(s + 11, 2);
	mm   = ras_digits(s + 14, 2);
	ss   = ras_digits(s + 17, 2);
	us   = ras_digits(s + 20, 6);
	ohh  = ras_digits(s + 27, 2);
	omm  = ras_digits(s + 29, 2);
	if (year < 0 || mon < 0 || day < 0 || hh < 0 || mm < 0 || ss < 0 || us < 0 || ohh < 0 ||
	    omm < 0)
		return "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm";
	if (mon < 1 || mon > 12)
		return "month out of range";
	if (day < 1 || day > ras_days_in_month(year, mon))
		return "day out of range";
	if (hh > 23 || mm > 59 || ss > 59)
		return "time of day out of range";
	if (ohh > 23 || omm > 59)
		return "UTC offset out of range";

	local = ras_days_before_year(year) - RAS_EPOCH_DAYS;
	for (int m = 1; m < mon; m++)
		local += ras_days_in_month(year, m);
	local = (local + day - 1) * RAS_DAY_SEC + hh * 3600 + mm * 60 + ss;
	*off  = (ohh * 3600 + omm * 60) * (s[26] == '-' ? -1 : 1);
	*sec  = local - *off;
	*usec = (uint32_t)us;
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Event construction                                                       */
/* ------------------------------------------------------------------------ */

void
d_ras_event_set_msg(struct d_ras_event *ev, const char *msg)
{
	const struct d_ras_event_desc *desc;

	assert(ev != NULL);
	if (msg == NULL) {
		desc = d_ras_event_desc(ev->ev_id);
		msg  = desc != NULL ? desc->rd_msg : ras_catalogue[RAS_UNKNOWN_EVENT].rd_msg;
	}
	ras_copy_text(ev->ev_msg, sizeof(ev->ev_msg), msg);
}

/* Set or clear (NULL) an optional string field and its flag. */
static void
ras_set_opt_str(struct d_ras_event *ev, char *field, size_t size, uint32_t flag, const char *val)
{
	assert(ev != NULL);
	if (val == NULL) {
		memset(field, 0, size);
		ev->ev_flags &= ~flag;
		return;
	}
	ras_copy_text(field, size, val);
	ev->ev_flags |= flag;
}

void
d_ras_event_set_host(struct d_ras_event *ev, const char *hostname)
{
	ras_set_opt_str(ev, ev->ev_hostname, sizeof(ev->ev_hostname), D_RAS_F_HOST, hostname);
}

void
d_ras_event_set_hwid(struct d_ras_event *ev, const char *hwid)
{
	ras_set_opt_str(ev, ev->ev_hwid, sizeof(ev->ev_hwid), D_RAS_F_HWID, hwid);
}

void
d_ras_event_set_jobid(struct d_ras_event *ev, const char *jobid)
{
	ras_set_opt_str(ev, ev->ev_jobid, sizeof(ev->ev_jobid), D_RAS_F_JOBID, jobid);
}

void
d_ras_event_set_ctlop(struct d_ras_event *ev, const char *ctlop)
{
	ras_set_opt_str(ev, ev->ev_ctlop, sizeof(ev->ev_ctlop), D_RAS_F_CTLOP, ctlop);
}

void
d_ras_event_set_data(struct d_ras_event *ev, const char *data)
{
	ras_set_opt_str(ev, ev->ev_data, sizeof(ev->ev_data), D_RAS_F_DATA, data);
}

void
d_ras_event_set_rank(struct d_ras_event *ev, uint32_t rank)
{
	assert(ev != NULL);
	if (rank == D_RAS_NO_RANK) {
		ev->ev_rank = 0;
		ev->ev_flags &= ~D_RAS_F_RANK;
		return;
	}
	ev->ev_rank = rank;
	ev->ev_flags |= D_RAS_F_RANK;
}

void
d_ras_event_set_inc(struct d_ras_event *ev, uint64_t inc)
{
	assert(ev != NULL);
	ev->ev_inc = inc;
	ev->ev_flags |= D_RAS_F_INC;
}

void
d_ras_event_set_pool(struct d_ras_event *ev, const uuid_t pool)
{
	assert(ev != NULL && pool != NULL);
	uuid_copy(ev->ev_pool, pool);
	ev->ev_flags |= D_RAS_F_POOL;
}

void
d_ras_event_set_cont(struct d_ras_event *ev, const uuid_t cont)
{
	assert(ev != NULL && cont != NULL);
	uuid_copy(ev->ev_cont, cont);
	ev->ev_flags |= D_RAS_F_CONT;
}

void
d_ras_event_set_oid(struct d_ras_event *ev, uint64_t hi, uint64_t lo)
{
	assert(ev != NULL);
	ev->ev_oid_hi = hi;
	ev->ev_oid_lo = lo;
	ev->ev_flags |= D_RAS_F_OID;
}

int
d_ras_event_set_pid(struct d_ras_event *ev, int32_t pid)
{
	assert(ev != NULL);
	if (pid < 0)
		return -DER_INVAL;
	ev->ev_pid = pid;
	ev->ev_flags |= D_RAS_F_PID;
	return 0;
}

int
d_ras_event_set_tid(struct d_ras_event *ev, int32_t tid)
{
	assert(ev != NULL);
	if (tid < 0)
		return -DER_INVAL;
	ev->ev_tid = tid;
	ev->ev_flags |= D_RAS_F_TID;
	return 0;
}

int
d_ras_event_set_ts(struct d_ras_event *ev, int64_t sec, uint32_t usec, int32_t tz_off)
{
	assert(ev != NULL);
	if (ras_ts_check(sec, usec, tz_off) != NULL)
		return -DER_INVAL;
	ev->ev_ts_sec  = sec;
	ev->ev_ts_usec = usec;
	ev->ev_tz_off  = tz_off;
	return 0;
}

int
d_ras_event_init(struct d_ras_event *ev, enum d_ras_event_id id, const char *msg)
{
	const struct d_ras_event_desc *desc = d_ras_event_desc(id);
	struct timespec                now;
	struct tm                      tm;
	char                           host[D_RAS_HOST_MAX];
	long                           off;
	int                            rc;

	if (ev == NULL || desc == NULL)
		return -DER_INVAL;
	memset(ev, 0, sizeof(*ev));
	ev->ev_id   = id;
	ev->ev_type = desc->rd_type;
	ev->ev_sev  = desc->rd_sev;
	memcpy(ev->ev_id_str, desc->rd_name, strlen(desc->rd_name) + 1);
	d_ras_event_set_msg(ev, msg);

	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return -DER_MISC;
	if (localtime_r(&now.tv_sec, &tm) == NULL)
		return -DER_MISC;
	/* Historic zones had second offsets; the text form has minutes. */
	off = tm.tm_gmtoff - tm.tm_gmtoff % 60;
	if (off > D_RAS_TZ_OFF_MAX || off < -D_RAS_TZ_OFF_MAX)
		off = 0;
	rc = d_ras_event_set_ts(ev, (int64_t)now.tv_sec, (uint32_t)(now.tv_nsec / 1000),
				(int32_t)off);
	if (rc != 0)
		return -DER_MISC;

	/* POSIX leaves a truncated name unterminated. */
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		d_ras_event_set_host(ev, host);
	}
	rc = d_ras_event_set_pid(ev, (int32_t)getpid());
	assert(rc == 0);
	rc = d_ras_event_set_tid(ev, (int32_t)gettid());
	assert(rc == 0);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Text forms                                                               */
/* ------------------------------------------------------------------------ */

struct ras_out {
	char  *ro_buf;
	size_t ro_len;
	size_t ro_used;
	bool   ro_over;
};

static void __attribute__((format(printf, 2, 3)))
ras_out_printf(struct ras_out *o, const char *fmt, ...)
{
	va_list ap;
	int     n;

	if (o->ro_over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->ro_buf + o->ro_used, o->ro_len - o->ro_used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->ro_len - o->ro_used) {
		o->ro_over = true;
		return;
	}
	o->ro_used += (size_t)n;
}

/* printf arguments for a "%.*s" of a field array, never reading past it. */
#define RAS_FLD(a) (int)strnlen((a), sizeof(a)), (a)

int
d_ras_event_format(const struct d_ras_event *ev, int form, char *buf, size_t len)
{
	struct ras_out o = {buf, len, 0, false};
	char           ts[D_RAS_TS_SIZE];
	char           uuid[37];
	bool           engine = form == D_RAS_FORM_ENGINE;
	uint32_t       f;

	if (ev == NULL || buf == NULL || (form != D_RAS_FORM_ENGINE && form != D_RAS_FORM_CONTROL))
		return -DER_INVAL;
	if (ras_ts_check(ev->ev_ts_sec, ev->ev_ts_usec, ev->ev_tz_off) != NULL)
		return -DER_INVAL;
	if (len == 0)
		return -DER_TRUNC;
	f = ev->ev_flags;
	ras_ts_print(ev->ev_ts_sec, ev->ev_ts_usec, ev->ev_tz_off, ts);

	ras_out_printf(&o, "%sid: [%.*s] ts: [%s] host: [%.*s] type: [%s] sev: [%s] msg: [%.*s]",
		       engine ? D_RAS_ENGINE_PREFIX : "", RAS_FLD(ev->ev_id_str), ts,
		       (f & D_RAS_F_HOST) ? (int)strnlen(ev->ev_hostname, sizeof(ev->ev_hostname))
					  : 0,
		       ev->ev_hostname, d_ras_type2str(ev->ev_type), d_ras_sev2str(ev->ev_sev),
		       RAS_FLD(ev->ev_msg));
	if (engine) {
		/* The engine line has a fixed head: pid and tid always, 0 when unknown. */
		ras_out_printf(&o, " pid: [%d] tid: [%d]", (f & D_RAS_F_PID) ? ev->ev_pid : 0,
			       (f & D_RAS_F_TID) ? ev->ev_tid : 0);
	} else {
		if ((f & D_RAS_F_PID) && ev->ev_pid != 0)
			ras_out_printf(&o, " pid: [%d]", ev->ev_pid);
		if ((f & D_RAS_F_TID) && ev->ev_tid != 0)
			ras_out_printf(&o, " tid: [%d]", ev->ev_tid);
	}
	if (f & D_RAS_F_HWID)
		ras_out_printf(&o, " hwid: [%.*s]", RAS_FLD(ev->ev_hwid));
	if (f & D_RAS_F_RANK)
		ras_out_printf(&o, " rank: [%u]", ev->ev_rank);
	if (f & D_RAS_F_INC) {
		if (engine)
			ras_out_printf(&o, " inc: [%" PRIx64 "]", ev->ev_inc);
		else
			ras_out_printf(&o, " incarnation: [%" PRIu64 "]", ev->ev_inc);
	}
	if (f & D_RAS_F_JOBID)
		ras_out_printf(&o, " jobid: [%.*s]", RAS_FLD(ev->ev_jobid));
	if (f & D_RAS_F_POOL) {
		uuid_unparse_lower(ev->ev_pool, uuid);
		ras_out_printf(&o, " pool: [%s]", uuid);
	}
	if (f & D_RAS_F_CONT) {
		uuid_unparse_lower(ev->ev_cont, uuid);
		ras_out_printf(&o, " container: [%s]", uuid);
	}
	if (f & D_RAS_F_OID)
		ras_out_printf(&o, " objid: [%" PRIu64 ".%" PRIu64 "]", ev->ev_oid_hi,
			       ev->ev_oid_lo);
	if (f & D_RAS_F_CTLOP)
		ras_out_printf(&o, " ctlop: [%.*s]", RAS_FLD(ev->ev_ctlop));
	if (f & D_RAS_F_DATA)
		ras_out_printf(&o, " data: [%.*s]", RAS_FLD(ev->ev_data));

	if (o.ro_over) {
		buf[0] = '\0';
		return -DER_TRUNC;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* Does @ev satisfy invariants 1-4 (and 5's flag mask), so that it parses back? */
static bool
ras_event_valid(const struct d_ras_event *ev)
{
	const struct d_ras_event_desc *desc = d_ras_event_desc(ev->ev_id);
	uint32_t                       f    = ev->ev_flags;

	if (desc == NULL || strnlen(ev->ev_id_str, sizeof(ev->ev_id_str)) >= sizeof(ev->ev_id_str) ||
	    strcmp(ev->ev_id_str, desc->rd_name) != 0)
		return false;
	if (ev->ev_type != RAS_TYPE_STATE_CHANGE && ev->ev_type != RAS_TYPE_INFO)
		return false;
	if (ev->ev_sev != RAS_SEV_ERROR && ev->ev_sev != RAS_SEV_WARNING &&
	    ev->ev_sev != RAS_SEV_NOTICE)
		return false;
	if (ras_ts_check(ev->ev_ts_sec, ev->ev_ts_usec, ev->ev_tz_off) != NULL)
		return false;
	if ((f & ~D_RAS_F_ALL) != 0)
		return false;
	if (!ras_field_ok(ev->ev_msg, sizeof(ev->ev_msg)))
		return false;
	if ((f & D_RAS_F_HOST) && !ras_field_ok(ev->ev_hostname, sizeof(ev->ev_hostname)))
		return false;
	if ((f & D_RAS_F_HWID) && !ras_field_ok(ev->ev_hwid, sizeof(ev->ev_hwid)))
		return false;
	if ((f & D_RAS_F_JOBID) && !ras_field_ok(ev->ev_jobid, sizeof(ev->ev_jobid)))
		return false;
	if ((f & D_RAS_F_CTLOP) && !ras_field_ok(ev->ev_ctlop, sizeof(ev->ev_ctlop)))
		return false;
	if ((f & D_RAS_F_DATA) && !ras_field_ok(ev->ev_data, sizeof(ev->ev_data)))
		return false;
	if ((f & D_RAS_F_PID) && ev->ev_pid < 0)
		return false;
	if ((f & D_RAS_F_TID) && ev->ev_tid < 0)
		return false;
	if ((f & D_RAS_F_RANK) && ev->ev_rank == D_RAS_NO_RANK)
		return false;
	return true;
}

/* Add @val under @key, taking ownership of @val even on failure. */
static int
ras_json_add(json_t *obj, const char *key, json_t *val)
{
	if (val == NULL)
		return -DER_NOMEM;
	if (json_object_set_new(obj, key, val) != 0)
		return -DER_NOMEM;
	return 0;
}

/* Add a string field read from its array (already checked by ras_event_valid). */
static int
ras_json_add_str(json_t *obj, const char *key, const char *field, size_t size)
{
	return ras_json_add(obj, key, json_stringn(field, strnlen(field, size)));
}

#define RAS_JSON_STR(obj, key, a) ras_json_add_str((obj), (key), (a), sizeof(a))

int
d_ras_event_to_json(const struct d_ras_event *ev, char **json_out)
{
	json_t  *obj = NULL;
	char     ts[D_RAS_TS_SIZE];
	char     tmp[64];
	char    *out;
	size_t   size;
	uint32_t f;
	int      rc;

	if (ev == NULL || json_out == NULL || !ras_event_valid(ev))
		return -DER_INVAL;
	f   = ev->ev_flags;
	obj = json_object();
	if (obj == NULL)
		return -DER_NOMEM;

	ras_ts_print(ev->ev_ts_sec, ev->ev_ts_usec, ev->ev_tz_off, ts);
	rc = RAS_JSON_STR(obj, "id", ev->ev_id_str);
	if (rc == 0)
		rc = ras_json_add(obj, "type", json_string(d_ras_type2str(ev->ev_type)));
	if (rc == 0)
		rc = ras_json_add(obj, "severity", json_string(d_ras_sev2str(ev->ev_sev)));
	if (rc == 0)
		rc = ras_json_add(obj, "timestamp", json_string(ts));
	if (rc == 0)
		rc = RAS_JSON_STR(obj, "msg", ev->ev_msg);
	if (rc == 0 && (f & D_RAS_F_HOST))
		rc = RAS_JSON_STR(obj, "hostname", ev->ev_hostname);
	if (rc == 0 && (f & D_RAS_F_PID))
		rc = ras_json_add(obj, "pid", json_integer(ev->ev_pid));
	if (rc == 0 && (f & D_RAS_F_TID))
		rc = ras_json_add(obj, "tid", json_integer(ev->ev_tid));
	if (rc == 0 && (f & D_RAS_F_HWID))
		rc = RAS_JSON_STR(obj, "hw_id", ev->ev_hwid);
	if (rc == 0 && (f & D_RAS_F_RANK))
		rc = ras_json_add(obj, "rank", json_integer(ev->ev_rank));
	if (rc == 0 && (f & D_RAS_F_INC)) {
		snprintf(tmp, sizeof(tmp), "%" PRIu64, ev->ev_inc);
		rc = ras_json_add(obj, "incarnation", json_string(tmp));
	}
	if (rc == 0 && (f & D_RAS_F_JOBID))
		rc = RAS_JSON_STR(obj, "job_id", ev->ev_jobid);
	if (rc == 0 && (f & D_RAS_F_POOL)) {
		uuid_unparse_lower(ev->ev_pool, tmp);
		rc = ras_json_add(obj, "pool_uuid", json_string(tmp));
	}
	if (rc == 0 && (f & D_RAS_F_CONT)) {
		uuid_unparse_lower(ev->ev_cont, tmp);
		rc = ras_json_add(obj, "cont_uuid", json_string(tmp));
	}
	if (rc == 0 && (f & D_RAS_F_OID)) {
		snprintf(tmp, sizeof(tmp), "%" PRIu64 ".%" PRIu64, ev->ev_oid_hi, ev->ev_oid_lo);
		rc = ras_json_add(obj, "object_id", json_string(tmp));
	}
	if (rc == 0 && (f & D_RAS_F_CTLOP))
		rc = RAS_JSON_STR(obj, "ctl_op", ev->ev_ctlop);
	if (rc == 0 && (f & D_RAS_F_DATA))
		rc = RAS_JSON_STR(obj, "data", ev->ev_data);
	if (rc != 0)
		goto out;

	/* Dump into our own malloc'ed buffer so the caller frees with free(). */
	size = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (size == 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	assert(size <= D_RAS_JSON_MAX);
	out = malloc(size + 1);
	if (out == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (json_dumpb(obj, out, size, JSON_COMPACT) != size) {
		free(out);
		rc = -DER_NOMEM;
		goto out;
	}
	out[size] = '\0';
	*json_out = out;
out:
	json_decref(obj);
	return rc;
}

/* Most bytes of a caller's input echoed into an error message. */
#define RAS_ECHO_MAX 64

enum ras_key_kind {
	RK_ID,
	RK_TYPE,
	RK_SEV,
	RK_TS,
	RK_STR,   /* text field at rk_off of rk_size bytes */
	RK_INT32, /* int32_t at rk_off, in [0, INT32_MAX] */
	RK_RANK,
	RK_INC,
	RK_UUID, /* uuid_t at rk_off */
	RK_OID,
};

struct ras_key {
	const char       *rk_name;
	enum ras_key_kind rk_kind;
	uint32_t          rk_flag; /* 0: mandatory field */
	size_t            rk_off;
	size_t            rk_size;
};

#define RAS_AT(m) offsetof(struct d_ras_event, m), sizeof(((struct d_ras_event *)0)->m)

/* Keys in output order; the ones with rk_flag 0 are required. */
static const struct ras_key ras_keys[] = {
    {"id", RK_ID, 0, 0, 0},
    {"type", RK_TYPE, 0, 0, 0},
    {"severity", RK_SEV, 0, 0, 0},
    {"timestamp", RK_TS, 0, 0, 0},
    {"msg", RK_STR, 0, RAS_AT(ev_msg)},
    {"hostname", RK_STR, D_RAS_F_HOST, RAS_AT(ev_hostname)},
    {"pid", RK_INT32, D_RAS_F_PID, RAS_AT(ev_pid)},
    {"tid", RK_INT32, D_RAS_F_TID, RAS_AT(ev_tid)},
    {"hw_id", RK_STR, D_RAS_F_HWID, RAS_AT(ev_hwid)},
    {"rank", RK_RANK, D_RAS_F_RANK, 0, 0},
    {"incarnation", RK_INC, D_RAS_F_INC, 0, 0},
    {"job_id", RK_STR, D_RAS_F_JOBID, RAS_AT(ev_jobid)},
    {"pool_uuid", RK_UUID, D_RAS_F_POOL, RAS_AT(ev_pool)},
    {"cont_uuid", RK_UUID, D_RAS_F_CONT, RAS_AT(ev_cont)},
    {"object_id", RK_OID, D_RAS_F_OID, 0, 0},
    {"ctl_op", RK_STR, D_RAS_F_CTLOP, RAS_AT(ev_ctlop)},
    {"data", RK_STR, D_RAS_F_DATA, RAS_AT(ev_data)},
};

#define RAS_KEY_NR (sizeof(ras_keys) / sizeof(ras_keys[0]))

/* Strict decimal u64: 1..20 digits, no sign, no leading zero, no overflow. */
static bool
ras_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t   i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Decode the value @val of key @k into @ev; the reason into @errbuf on failure. */
static int
ras_json_field(const struct ras_key *k, json_t *val, struct d_ras_event *ev, char *errbuf,
	       size_t errlen)
{
	const struct d_ras_event_desc *desc;
	char                           echo[RAS_ECHO_MAX + 4];
	const char                    *s;
	const char                    *why;
	const char                    *dot;
	size_t                         len;
	json_int_t                     iv;

	if (k->rk_kind == RK_INT32 || k->rk_kind == RK_RANK) {
		json_int_t max = k->rk_kind == RK_RANK ? (json_int_t)D_RAS_NO_RANK - 1 : INT32_MAX;

		iv = json_is_integer(val) ? json_integer_value(val) : -1;
		if (iv < 0 || iv > max) {
			d_errbuf_printf(errbuf, errlen, "ras: field '%s' must be an integer in [0, %lld]",
				k->rk_name, (long long)max);
			return -DER_INVAL;
		}
		if (k->rk_kind == RK_RANK)
			ev->ev_rank = (uint32_t)iv;
		else
			*(int32_t *)(void *)((char *)ev + k->rk_off) = (int32_t)iv;
		ev->ev_flags |= k->rk_flag;
		return 0;
	}

	/* Every other field is a JSON string; jansson has checked its UTF-8 and NULs. */
	if (!json_is_string(val)) {
		d_errbuf_printf(errbuf, errlen, "ras: field '%s' must be a string", k->rk_name);
		return -DER_INVAL;
	}
	s   = json_string_value(val);
	len = json_string_length(val);
	d_errbuf_quote(echo, s, len, RAS_ECHO_MAX);

	switch (k->rk_kind) {
	case RK_ID:
		desc = d_ras_event_desc_by_name(s);
		if (desc == NULL || strlen(s) != len) {
			d_errbuf_printf(errbuf, errlen, "ras: unknown event id '%s'", echo);
			return -DER_INVAL;
		}
		ev->ev_id = desc->rd_id;
		memcpy(ev->ev_id_str, desc->rd_name, strlen(desc->rd_name) + 1);
		return 0;
	case RK_TYPE:
		if (strcmp(s, "STATE_CHANGE") == 0) {
			ev->ev_type = RAS_TYPE_STATE_CHANGE;
		} else if (strcmp(s, "INFO") == 0 || strcmp(s, "INFO_ONLY") == 0) {
			ev->ev_type = RAS_TYPE_INFO;
		} else {
			d_errbuf_printf(errbuf, errlen, "ras: unknown event type '%s'", echo);
			return -DER_INVAL;
		}
		return 0;
	case RK_SEV:
		if (strcmp(s, "ERROR") == 0) {
			ev->ev_sev = RAS_SEV_ERROR;
		} else if (strcmp(s, "WARNING") == 0) {
			ev->ev_sev = RAS_SEV_WARNING;
		} else if (strcmp(s, "NOTICE") == 0) {
			ev->ev_sev = RAS_SEV_NOTICE;
		} else {
			d_errbuf_printf(errbuf, errlen, "ras: unknown severity '%s'", echo);
			return -DER_INVAL;
		}
		return 0;
	case RK_TS:
		why = ras_ts_parse(s, len, &ev->ev_ts_sec, &ev->ev_ts_usec, &ev->ev_tz_off);
		if (why == NULL)
			why = ras_ts_check(ev->ev_ts_sec, ev->ev_ts_usec, ev->ev_tz_off);
		if (why != NULL) {
			d_errbuf_printf(errbuf, errlen, "ras: malformed timestamp '%s': %s", echo, why);
			return -DER_INVAL;
		}
		return 0;
	case RK_STR:
		if (len >= k->rk_size) {
			d_errbuf_printf(errbuf, errlen, "ras: field '%s' is longer than %zu bytes",
				k->rk_name, k->rk_size - 1);
			return -DER_INVAL;
		}
		switch (ras_text_scan(s, len)) {
		case RAS_TEXT_OK:
			break;
		case RAS_TEXT_CTL:
			d_errbuf_printf(errbuf, errlen, "ras: field '%s' contains a control character",
				k->rk_name);
			return -DER_INVAL;
		case RAS_TEXT_UTF8:
			d_errbuf_printf(errbuf, errlen, "ras: field '%s' is not valid UTF-8", k->rk_name);
			return -DER_INVAL;
		}
		memcpy((char *)ev + k->rk_off, s, len + 1);
		ev->ev_flags |= k->rk_flag;
		return 0;
	case RK_INC:
		if (!ras_parse_u64(s, len, &ev->ev_inc)) {
			d_errbuf_printf(errbuf, errlen,
				"ras: field 'incarnation' must be a decimal integer in "
				"[0, 18446744073709551615], got '%s'",
				echo);
			return -DER_INVAL;
		}
		ev->ev_flags |= k->rk_flag;
		return 0;
	case RK_UUID:
		/* uuid_parse wants exactly 36 characters before the NUL. */
		if (len != 36 || strlen(s) != len ||
		    uuid_parse(s, (unsigned char *)ev + k->rk_off) != 0) {
			d_errbuf_printf(errbuf, errlen, "ras: field '%s' is not a valid UUID: '%s'",
				k->rk_name, echo);
			return -DER_INVAL;
		}
		ev->ev_flags |= k->rk_flag;
		return 0;
	case RK_OID:
		dot = memchr(s, '.', len);
		if (dot == NULL || !ras_parse_u64(s, (size_t)(dot - s), &ev->ev_oid_hi) ||
		    !ras_parse_u64(dot + 1, len - (size_t)(dot - s) - 1, &ev->ev_oid_lo)) {
			d_errbuf_printf(errbuf, errlen,
				"ras: field 'object_id' must be \"<hi>.<lo>\" with decimal u64 "
				"halves, got '%s'",
				echo);
			return -DER_INVAL;
		}
		ev->ev_flags |= k->rk_flag;
		return 0;
	default:
		break;
	}
	assert(0 && "unhandled RAS JSON key kind");
	return -DER_INVAL;
}

int
d_ras_event_from_json(const char *json, size_t len, struct d_ras_event *ev, char *errbuf,
		      size_t errlen)
{
	struct d_ras_event tmp;
	json_t            *root = NULL;
	json_error_t       jerr;
	const char        *key;
	json_t            *val;
	char               echo[2 * RAS_ECHO_MAX + 4];
	bool               seen[RAS_KEY_NR] = {false};
	size_t             i;
	int                rc = 0;

	if (json == NULL || ev == NULL) {
		d_errbuf_printf(errbuf, errlen, "ras: %s", json == NULL ? "no JSON input" : "no event");
		return -DER_INVAL;
	}
	if (len > D_RAS_JSON_MAX) {
		d_errbuf_printf(errbuf, errlen, "ras: JSON input of %zu bytes exceeds the limit of %d bytes",
			len, D_RAS_JSON_MAX);
		return -DER_INVAL;
	}

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			d_errbuf_printf(errbuf, errlen, "ras: out of memory parsing JSON");
			return -DER_NOMEM;
		}
		d_errbuf_quote(echo, jerr.text, strnlen(jerr.text, sizeof(jerr.text)), 2 * RAS_ECHO_MAX);
		d_errbuf_printf(errbuf, errlen, "ras: invalid JSON at line %d column %d: %s", jerr.line,
			jerr.column, echo);
		return -DER_INVAL;
	}
	if (!json_is_object(root)) {
		d_errbuf_printf(errbuf, errlen, "ras: JSON top level must be an object");
		rc = -DER_INVAL;
		goto out;
	}

	memset(&tmp, 0, sizeof(tmp));
	json_object_foreach(root, key, val) {
		for (i = 0; i < RAS_KEY_NR; i++)
			if (strcmp(ras_keys[i].rk_name, key) == 0)
				break;
		if (i == RAS_KEY_NR) {
			d_errbuf_quote(echo, key, strlen(key), RAS_ECHO_MAX);
			d_errbuf_printf(errbuf, errlen, "ras: unknown field '%s'", echo);
			rc = -DER_INVAL;
			goto out;
		}
		/* Duplicates were refused by the loader. */
		assert(!seen[i]);
		seen[i] = true;
		rc      = ras_json_field(&ras_keys[i], val, &tmp, errbuf, errlen);
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < RAS_KEY_NR; i++) {
		if (ras_keys[i].rk_flag == 0 && !seen[i]) {
			d_errbuf_printf(errbuf, errlen, "ras: missing field '%s'", ras_keys[i].rk_name);
			rc = -DER_INVAL;
			goto out;
		}
	}
	/* Each field was checked on its own; together they must make a valid event. */
	assert(ras_event_valid(&tmp));
	*ev = tmp;
	d_errbuf_printf(errbuf, errlen, "%s", "");
out:
	json_decref(root);
	return rc;
}
